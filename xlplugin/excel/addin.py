"""Building the classic Excel add-in (``guichet addin build``), reproducibly, on any system.

The add-in is xlwings' own ribbon add-in template (``quickstart_addin_ribbon.xlam``, shipped in the
xlwings wheel) with its ribbon (``customUI/customUI.xml``) replaced by ``templates/ruban-customUI.xml``:
a tab « Subventions » and the button « Recalculer les allocations ». Its VBA is left byte for byte as
xlwings ships it: the button runs ``RunPython "import <add-in name>; <add-in name>.main()"``, so the file
is named ``xlplugin.xlam`` and ``xlplugin.main()`` recalculates the allocations.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import xlwings

from xlplugin.shipped import shipped_file

ADDIN_NAME = "xlplugin.xlam"  # the file name is the Python module the add-in's VBA imports
TEMPLATE = "quickstart_addin_ribbon.xlam"
CUSTOM_UI = "customUI/customUI.xml"
RIBBON_FILE = "ruban-customUI.xml"


def template_path() -> Path:
    return Path(xlwings.__file__).parent / TEMPLATE


def ribbon_xml() -> bytes:
    return shipped_file("xlplugin.templates", RIBBON_FILE).read_bytes()


def build_addin(folder: Path) -> Path:
    """Write ``folder/xlplugin.xlam``; every part but the ribbon is copied unchanged, dates included."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ADDIN_NAME
    temporary = target.with_name(f".{ADDIN_NAME}.tmp")
    with zipfile.ZipFile(template_path()) as source, zipfile.ZipFile(temporary, "w") as built:
        if CUSTOM_UI not in source.namelist():
            raise FileNotFoundError(f"{TEMPLATE} de xlwings n'a plus de {CUSTOM_UI} : version d'xlwings incompatible")
        for item in source.infolist():
            data = ribbon_xml() if item.filename == CUSTOM_UI else source.read(item)
            built.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    temporary.replace(target)
    return target
