"""Excel's side of the tool, over the workbook layer: the ``SUBV_…`` functions (``udfs``) and the button
« Recalculer les allocations » (``ribbon``), one module for every runtime — xlwings Lite (``lite``: what an
agent pastes into Lite) and the classic add-in (``addin``: its build)."""
