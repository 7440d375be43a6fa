"""The tracking workbook (« tableau de suivi »): its layout, the template it is built from, and its rows.

``layout`` declares every sheet, table, column and name once; the template builder, the row writer (and
later the importer and the ribbon) all read that declaration.
"""
