"""``relucheck-help``: the help text of a relucheck command, taken from the command itself.

A command page shows its options as ``relucheck CMD --help`` prints them at build time, so the
page cannot fall out of step with the code. In a Markdown page::

    ```{relucheck-help} census
    ```

An unknown command fails the build (a warning, and the build treats warnings as errors).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

WIDTH = 100  # the group's max_content_width


def help_text(command: str) -> str:
    """What ``relucheck COMMAND --help`` prints on a terminal 100 columns wide."""
    import click
    from click.testing import CliRunner

    from relucheck.cli import main

    if command and command not in main.list_commands(click.Context(main)):
        raise KeyError(command)
    args = [command, "--help"] if command else ["--help"]
    result = CliRunner().invoke(main, args, prog_name="relucheck", terminal_width=WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"relucheck {' '.join(args)} exited {result.exit_code}")
    return result.output.rstrip()


class RelucheckHelp(SphinxDirective):
    required_arguments = 0
    optional_arguments = 1

    def run(self):
        command = self.arguments[0] if self.arguments else ""
        try:
            text = help_text(command)
        except KeyError:
            raise self.error(f"relucheck has no command {command!r}") from None
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    app.add_directive("relucheck-help", RelucheckHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
