"""`python -m hfscan` runs the CLI."""

from hfscan.cli import main

main()
