"""Experiments layer: one module per subcommand, each with ``run(params, rng, progress)``
returning a :class:`relucheck.result.Result`. No click, no files."""
