"""`python -m upheld` runs the command line."""

from upheld.cli import main

main()
