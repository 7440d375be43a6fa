"""What the tracking workbook, the add-ins and the documents are built from, and the démarche's form;
shipped as ``xlplugin.templates``."""
