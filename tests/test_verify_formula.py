"""verify-formula (Figure 7) as a library call: claims, table, determinism, validation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from relucheck.experiments import verify_formula as vf
from relucheck.result import PASS, THEOREM


@pytest.fixture(scope="module")
def quick_result():
    return vf.run(vf.quick(vf.Params()), np.random.default_rng(np.random.SeedSequence(0)))


def test_quick_run_claims_hold(quick_result):
    theorem = [c for c in quick_result.claims if c.level == THEOREM]
    assert len(theorem) == 4
    assert all(c.verdict == PASS for c in theorem), [c for c in theorem if c.verdict != PASS]
    assert quick_result.exit_code == 0


def test_table_has_every_panel(quick_result):
    main = quick_result.tables["main"]
    p = vf.quick(vf.Params())
    counts = {k: int(np.sum(main["panel"] == k)) for k in "abcd"}
    assert counts == {"a": p.pairs_angle, "b": len(vf.sample_grid(p)),
                      "c": len(vf.sample_grid(p)), "d": 2 * len(p.dims)}
    lengths = {len(v) for v in main.values()}
    assert len(lengths) == 1
    a = main["panel"] == "a"
    assert np.all(np.diff(main["angle_rad"][a]) >= 0) and main["angle_rad"][a].max() <= np.pi


def test_same_seed_same_numbers_other_seed_other_numbers():
    p = dataclasses.replace(vf.quick(vf.Params()), dims=(2, 5))
    r1 = vf.run(p, np.random.default_rng(np.random.SeedSequence(1)))
    r2 = vf.run(p, np.random.default_rng(np.random.SeedSequence(1)))
    r3 = vf.run(p, np.random.default_rng(np.random.SeedSequence(2)))
    for k in r1.tables["main"]:
        np.testing.assert_array_equal(r1.tables["main"][k], r2.tables["main"][k])
    assert not np.array_equal(r1.tables["main"]["rel_err"], r3.tables["main"]["rel_err"])


def test_wrong_formula_is_caught(monkeypatch):
    """The claims have power: a 5 % error in the mass term of Eqn 5 must fail the unbiasedness
    check (it is invisible to the slope, which only sees noise)."""
    real = vf.expected_F
    monkeypatch.setattr(vf, "expected_F", lambda e, w: real(e, w) * 1.05)
    p = dataclasses.replace(vf.quick(vf.Params()), dims=(2, 5), distributions=("gaussian",),
                            blocks=50, block_size=4000)
    r = vf.run(p, np.random.default_rng(np.random.SeedSequence(0)))
    verdicts = {c.name: c.verdict for c in r.claims}
    assert verdicts["Eqn 5 is unbiased: mean of F/N = E[F]/N"] == "FAIL"
    assert r.exit_code == 1


@pytest.mark.parametrize("field,value", [("d", 1), ("n_min", 1), ("n_steps", 2), ("dims", (5,)),
                                         ("distributions", ("cauchy",)), ("blocks", 2)])
def test_validation_names_the_parameter(field, value):
    p = dataclasses.replace(vf.Params(), **{field: value})
    with pytest.raises(ValueError, match=field.split("_")[0]):
        p.validate()
