"""Reading and patching Excel workbook packages (.xlsx, .xlsm) without losing what the tool does not touch.

Domain-free: nothing here knows of dossiers. ``Package`` opens a file; ``reader`` streams a sheet's values;
``Patch`` queues cell writes, styles, table growth, defined names and grafted sheets, then ``save`` writes
a new package where every part not touched is copied byte for byte; ``compare`` checks that claim.
"""
