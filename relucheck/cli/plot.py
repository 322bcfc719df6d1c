"""``relucheck plot CSV``: redraw a figure from its table, without recomputing."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("plot")
@click.argument("csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the PNG and PDF [default: beside the CSV].")
def command(csv: Path, out: Path | None):
    """Redraw <stem>.png and <stem>.pdf from <stem>.csv written by a relucheck command."""
    from relucheck.cli.common import check_writable
    from relucheck.output.plots import draw, figure_for
    from relucheck.output.style import save_figure

    try:
        stem, _ = figure_for(csv)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="'CSV'") from None
    out = out if out is not None else csv.parent
    check_writable(out)
    try:
        stem, fig = draw(csv)
    except (KeyError, ValueError, IndexError, FileNotFoundError) as exc:
        raise click.ClickException(f"{csv} is not a {stem} table: {exc}") from None
    out.mkdir(parents=True, exist_ok=True)
    for p in save_figure(fig, out, stem):
        click.echo(f"wrote {p}")
