"""The public names of relucheck (docs/api.md), listed once: ``relucheck.api.__all__`` and the
top level's ``__all__`` are both this list; and the commands ``relucheck.run`` takes, which the
CLI lists too. No imports here, so ``import relucheck`` stays light."""

NAMES = (
    "MAX_COND",
    "DependentUnitsError",
    "Endpoints",
    "L_matrix",
    "Training",
    "classify",
    "gating_expectation",
    "omega_probability",
    "population_gradient",
    "population_hessian",
    "population_loss",
    "run",
    "symmetric_embed",
    "symmetric_loss",
    "symmetric_saddle",
    "symmetric_velocity",
    "theorem6_radius",
    "train",
)

#: The commands that run an experiment (``relucheck.run(command, ...)``, ``relucheck <command>``),
#: each in the module of its name with "_" for "-" in relucheck.experiments and relucheck.cli.
RUNNABLE = ("verify-formula", "conjecture1-grid", "ssb-2d", "noise-sweep", "init-prob", "census",
            "conjecture2", "families")
