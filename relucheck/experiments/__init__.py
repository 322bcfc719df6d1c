"""One module per command: what it computes and the claims it states (docs/design.md, "Where a
new command goes"). No click, no files: the runner (:mod:`relucheck.runner`) writes.

What every command module provides
    Params -- a frozen dataclass of the command's parameters, each field's default and rule
    declared once (:func:`relucheck.experiments.params.param`); ``validate()`` and
    ``memory_bytes()`` decide a request before any work
    QUICK -- the small sizes of ``--quick`` (the same code path)
    STEM -- the stem of the files it writes
    run(params, rng, progress) -> Result -- the computation, its tables and its claims
    (:class:`relucheck.result.Result`)

The commands
    verify_formula -- Figure 7: Eqn 5 against sampling
    conjecture1_grid -- Figure 10: the signs of L12 and L21 on an (a, phi) grid
    conjecture1_certify -- ``conjecture1-grid --certify``: the proof of Conjecture 1 and its
    certificate
    ssb_2d -- Figure 8: the symmetric dynamics of Theorem 7
    noise_sweep -- Figure 9: noisy initialisation and top-layer weights
    init_prob -- Theorem 6: the success probability of a random initialisation
    census -- where gradient descent ends, per teacher size k and extra units e
    conjecture2 -- Conjecture 2: where descent from noisy symmetric starts ends
    families -- the symmetric families of spurious minima proved for every k, their Hessian
    spectrum and births

Each parameter's rule
    params -- param, Rule, rule_of, check_fields, check: the rules that ``Params``, the CLI and
    ``relucheck.run`` share
"""
