"""Excel's side of the tool, over the workbook layer: the ``SUBV_…`` functions (``udfs``), the ribbon
button « Recalculer les allocations » (``ribbon``), the classic add-in's build (``addin``) and the xlwings
Server application (``server``)."""
