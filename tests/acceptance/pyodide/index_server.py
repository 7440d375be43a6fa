"""A package index on localhost for micropip, from a folder of wheels: the Simple repository API in its JSON form
(PEP 691), which micropip asks for first (``Accept: application/vnd.pypi.simple.v1+json``).

``GET /simple/<project>/`` lists the project's wheels (file name, absolute URL, sha256, Requires-Python);
``GET /files/<wheel>`` serves one. Anything else is a 404, which micropip reads as « not on this index ».
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from email.parser import HeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requires_python(wheel: Path) -> str | None:
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1]
        headers = HeaderParser().parsestr(archive.read(metadata).decode("utf-8"))
    return headers.get("Requires-Python")


class _Handler(BaseHTTPRequestHandler):
    folder: Path
    base: str
    requested: list[str]

    def log_message(self, format: str, *args: object) -> None:  # quiet: the test reports what matters
        pass

    def do_GET(self) -> None:
        self.requested.append(self.path)
        project = re.fullmatch(r"/simple/([^/]+)/?", self.path)
        if project:
            name = canonical(project.group(1))
            files = [
                {
                    "filename": wheel.name,
                    "url": f"{self.base}/files/{wheel.name}",
                    "hashes": {"sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()},
                    "requires-python": _requires_python(wheel),
                }
                for wheel in sorted(self.folder.glob("*.whl"))
                if canonical(wheel.name.split("-")[0]) == name
            ]
            if not files:
                self._send(404, b"not found", "text/plain")
                return
            body = json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": files}).encode()
            self._send(200, body, "application/vnd.pypi.simple.v1+json")
            return
        wheel = re.fullmatch(r"/files/([^/]+\.whl)", self.path)
        if wheel and (self.folder / wheel.group(1)).is_file():
            self._send(200, (self.folder / wheel.group(1)).read_bytes(), "application/octet-stream")
            return
        self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serving(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """An index of ``folder``'s wheels on a free port of localhost: its ``/simple`` URL, and the paths asked."""
    requested: list[str] = []
    handler = type("Handler", (_Handler,), {"folder": folder, "requested": requested, "base": ""})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{handler.base}/simple", requested
    finally:
        server.shutdown()
        server.server_close()
