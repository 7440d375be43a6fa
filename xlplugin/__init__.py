"""guichet-numerique: the instruction of the call for projects, as a library every face calls.

Layers, each importing only the ones below it:

- ``xlplugin.rules``: the rules core, pure (the règlement, the reference territory, the dossier,
  eligibility, score, rate, amount, allocation, and the one ``evaluate``). No Excel, no files but its data.
- ``xlplugin.workbook``: the tracking workbook (its layout, the Excel functions declared once, reading a
  row, import, allocation, safe saving).
- ``xlplugin.intake``: the received files of démarches-simplifiées, read and checked dossier by dossier.
- ``xlplugin.excel``: the Excel runtimes (the ``SUBV_…`` functions, the ribbon button, the add-in).
- ``xlplugin.data``: the business data with their sources: the Ain call's règlement and text, the Ain
  communes and EPCI (COG 2021).
- ``xlplugin.schemas`` and ``xlplugin.templates``: the repository's ``schemas/`` and ``templates/``
  folders, shipped inside the package.

The command line (``batch``) sits on top of them all.
"""


def main() -> None:
    """The ribbon button of the classic add-in ``xlplugin.xlam``: its VBA runs ``import xlplugin;
    xlplugin.main()`` (the add-in's file name names the module), see ``xlplugin.excel.ribbon``."""
    from xlplugin.excel.ribbon import main as recalculer_depuis_excel

    recalculer_depuis_excel()
