"""The commands of ``guichet``, one module per subject: received files (``validate``), the instruction
(``evaluate``, ``allocate``), the tracking workbook (``init``, ``import``), Excel (``addin``, ``lite``),
démarches-simplifiées (``ds``)."""
