"""``python -m relucheck`` is the same as the ``relucheck`` command."""

from relucheck.cli import run

if __name__ == "__main__":
    run()
