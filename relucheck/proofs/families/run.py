"""Run the whole pipeline: continuation (float) for k in [k_min, k_max], the arb proof at
every integer k, the certificate file, timings. ``python -m relucheck.proofs.families.run
OUT.jsonl [k_max]``."""

from __future__ import annotations

import sys
import time

from relucheck.proofs.families.certificate import write_certificate
from relucheck.proofs.families.continuation import follow_integers
from relucheck.proofs.families.proof import PREC, prove_point


def run(out_path, k_max: int = 10_000, names=("A", "II"), k_min: int = 6, log=print):
    results = []
    stats = {}
    for name in names:
        t0 = time.process_time()
        pts = follow_integers(name, k_max, k_min=k_min)
        t_cont = time.process_time() - t0
        t0 = time.process_time()
        res = [prove_point(name, k, p.u) for k, p in sorted(pts.items()) if k >= k_min]
        t_proof = time.process_time() - t0
        results += res
        failed = [(r.k, r.reason) for r in res if not r.proved]
        stats[name] = dict(n=len(res), proved=len(res) - len(failed), failed=failed,
                           cpu_continuation=t_cont, cpu_proof=t_proof,
                           per_k_ms=1e3 * t_proof / max(1, len(res)))
        log(f"type {name}: {stats[name]['proved']}/{len(res)} proved; continuation "
            f"{t_cont:.1f} s CPU, proofs {t_proof:.1f} s CPU "
            f"({stats[name]['per_k_ms']:.2f} ms per k); failed: {failed[:10]}")
    write_certificate(out_path, results, PREC)
    return results, stats


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
