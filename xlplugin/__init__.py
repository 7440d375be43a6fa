"""guichet-numerique: the Excel side of the grant office's tool.

- ``xlplugin.rules``: the rules core (pure: the règlement, the reference territory, the dossier,
  eligibility, score, rate, amount, allocation). Every face calls it.
- ``xlplugin.data``: the reference data shipped with the project (Ain communes and EPCI, COG 2021).
- ``xlplugin.schemas`` and ``xlplugin.templates``: the repository's ``schemas/`` and ``templates/``
  folders, shipped inside the package.
"""


def main() -> None:
    """The ribbon button of the classic add-in ``xlplugin.xlam``: its VBA runs ``import xlplugin;
    xlplugin.main()`` (the add-in's file name names the module), see ``xlplugin.ribbon``."""
    from xlplugin.ribbon import main as recalculer_depuis_excel

    recalculer_depuis_excel()
