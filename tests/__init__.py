"""The test suite: rules, règlement, dossier, allocation, CLI."""
