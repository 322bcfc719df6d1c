"""``python -m relucheck`` is the same as the ``relucheck`` command."""

from relucheck.cli import main

if __name__ == "__main__":
    main()
