"""``relucheck plot CSV``: redraw a figure from its table, without recomputing."""

from __future__ import annotations

import csv as csv_module
from pathlib import Path

import click

from relucheck.cli.common import OutFolder, output_folder


@click.command("plot", short_help="Redraw a figure from the CSV a command wrote.")
@click.argument("csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=OutFolder(), default=None,
              help="Folder for the PNG and PDF.", show_default="beside the CSV")
@click.option("--quiet", is_flag=True, help="Do not list the files written.")
def command(csv: Path, out: Path | None, quiet: bool):
    """Redraw <stem>.png and <stem>.pdf from <stem>.csv written by a relucheck command.

    Exit 0 when drawn; 2 when the file is not a table that relucheck draws (a foreign, cut or
    edited CSV), with one line about the file; 3 when the figure cannot be written.
    """
    # matplotlib and the writers load when a figure is drawn, not for `relucheck --help`
    from relucheck.output import outset
    from relucheck.output.plots import draw, figure_for
    from relucheck.output.style import save_figure

    try:
        stem, _ = figure_for(csv)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="'CSV'") from None
    try:
        stem, fig = draw(csv)
    except Exception as exc:  # any defect of the file: never a traceback (docs/design.md)
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        why = _describe(exc)
        raise click.BadParameter(f"{csv} is not a complete {stem} table ({why})",
                                 param_hint="'CSV'") from None
    with output_folder(out if out is not None else csv.parent) as folder:
        with outset.staging(folder) as stage:
            names = [p.name for p in save_figure(fig, stage, stem)]
            paths = outset.publish(stage, folder, names)
    if not quiet:
        for p in paths:
            click.echo(f"wrote {p}", err=True)


def _describe(exc: BaseException) -> str:
    """A reader's description of what is wrong with the file, not an internal name."""
    if isinstance(exc, KeyError):
        return f"the column {exc.args[0]!r} is missing" if exc.args else "a column is missing"
    if isinstance(exc, FileNotFoundError):
        return str(exc)
    if isinstance(exc, (UnicodeDecodeError, csv_module.Error)):
        return "it is not a text CSV file"
    if isinstance(exc, (IndexError, ValueError)):
        return f"a column or row is cut or malformed: {exc}"
    return f"{exc.__class__.__name__}: {exc}"
