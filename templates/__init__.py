"""What the workbook, the add-ins and the default règlement are built from; shipped as ``xlplugin.templates``."""
