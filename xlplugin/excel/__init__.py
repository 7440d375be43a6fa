"""The Excel runtimes of the grant office's functions and button: classic xlwings, xlwings Lite, xlwings Server."""
