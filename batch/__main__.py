"""``python -m batch`` runs the ``guichet`` command."""

from batch.cli import main

main(prog_name="guichet")
