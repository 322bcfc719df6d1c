"""Everything a command writes, and the checks that what is committed is what the code writes.
Reads tables, never the experiments.

Writing a set
    writers -- atomic CSV and JSON writers, the provenance JSON and the run record
    (provenance, run_record, source_sha256, write_tables, read_csv)
    outset -- the output-set contract: --out probed and locked, staged, published with the JSON
    last (locked, staging, publish; docs/design.md, "Conventions of every command")
    report -- the claim table printed at the end of every command, and its verdict line

Drawing
    style -- one matplotlib style for every figure, and byte-reproducible saving (save_figure)
    census, conjecture1_certify, conjecture1_grid, conjecture2, families, init_prob,
    noise_sweep, ssb_2d, verify_formula -- one plot module per command, each ``plot(...) -> Figure``
    drawn from its command's CSV tables alone
    plots -- FIGURES, which function draws which stem, and ``draw(csv_path)`` (relucheck plot)

Checking the committed figures (docs/reproducibility.md)
    compare, tolerances -- the CSVs of two folders compared column by column, by one rule per
    column
    redraw -- every figure redrawn from its CSVs and compared byte for byte, with the drawing
    environment
"""
