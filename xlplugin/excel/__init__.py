"""Excel's side of the tool, over the workbook layer: the ``SUBV_…`` functions (``udfs``) and the button
« Recalculer les allocations » (``ribbon``) for every runtime — classic xlwings, xlwings Lite (``lite``:
what an agent pastes into Lite), xlwings Server (``server``) — and the classic add-in's build (``addin``)."""
