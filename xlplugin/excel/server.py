"""The Python side of xlwings Server: the Excel functions and the ribbon script for Excel on the web, on
Mac and on Windows through an Office.js add-in (``guichet serve``, extra ``[server]``).

Endpoints (the protocol of xlwings Server): the functions' metadata and calls, the scripts' metadata and
calls, and the add-in's manifest. The Office.js client that Excel loads (task pane, the script that
serialises the workbook and applies the actions) is xlwings Server's own client: its files are served
from the folder given to ``guichet serve --client``. xlwings' server code is under PolyForm
Noncommercial 1.0.0 (use by a public administration is a permitted purpose): ``XLWINGS_LICENSE_KEY``
must be set (``noncommercial``) and ``XLWINGS_ON_SERVER=true`` before xlwings is imported.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("XLWINGS_ON_SERVER", "true")

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from xlplugin.shipped import read_shipped

NAMESPACE = "SUBV"
MANIFEST = "manifest.xml"
ADDIN_ID = uuid.UUID("5f6b2a0e-3c1d-4e8a-9b7f-2d4c6e8a0b1c")  # stable: Excel knows the add-in by it


def manifest(base: str, version: str = "1.0.0.0") -> str:
    """The Office.js add-in manifest, for a server reachable at ``base`` (https://…)."""
    text = read_shipped("xlplugin.templates", MANIFEST)
    body = text.split("-->", 1)[1] if text.lstrip().startswith("<?xml") and "-->" in text else text
    header = '<?xml version="1.0" encoding="UTF-8"?>'
    filled = body.replace("{base}", base.rstrip("/")).replace("{id}", str(ADDIN_ID))
    filled = filled.replace("{version}", version).replace("{namespace}", NAMESPACE)
    return header + filled


def create_app(client: Path | None = None) -> FastAPI:
    """The FastAPI application; ``client`` is the folder of xlwings Server's Office.js client files."""
    import xlwings as xw
    from xlwings.server import (
        custom_functions_call,
        custom_functions_meta,
        custom_scripts_call,
        custom_scripts_meta,
    )

    from xlplugin.excel import ribbon, udfs

    if not xw.__dict__.get("on_server", False):
        raise RuntimeError("XLWINGS_ON_SERVER=true doit être défini avant l'import d'xlwings")
    app = FastAPI(title="Guichet numérique — xlwings Server")

    @app.get("/xlwings/custom-functions-meta")
    @app.get("/xlwings/custom-functions-meta.json")
    async def functions_meta() -> dict[str, Any]:
        return custom_functions_meta(udfs)

    @app.post("/xlwings/custom-functions-call")
    async def functions_call(request: Request) -> dict[str, Any]:
        data = await request.json()
        try:
            result = await custom_functions_call(data, udfs)
        except Exception as exc:
            result = [[f"Erreur : {exc}"]]
        return {"result": result}

    @app.get("/xlwings/custom-scripts-meta")
    async def scripts_meta() -> list[dict[str, Any]]:
        return custom_scripts_meta(ribbon)

    @app.post("/xlwings/custom-scripts-call/{script_name}")
    async def scripts_call(script_name: str, request: Request) -> JSONResponse:
        if not hasattr(ribbon, script_name) or not hasattr(getattr(ribbon, script_name), "__xlscript__"):
            raise HTTPException(404, f"script inconnu : {script_name}")
        book = xw.Book(json=await request.json())
        try:
            await custom_scripts_call(ribbon, script_name, typehint_to_value={xw.Book: book})
        except Exception as exc:
            return JSONResponse({"actions": [], "erreur": str(exc)}, status_code=422)
        return JSONResponse(book.json())

    @app.get("/manifest.xml")
    async def manifest_xml(request: Request) -> Response:
        return Response(manifest(str(request.base_url)), media_type="application/xml")

    if client is not None:
        app.mount("/", StaticFiles(directory=client, html=True), name="client")
    return app
