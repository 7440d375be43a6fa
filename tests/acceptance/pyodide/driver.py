"""The Python side of the Pyodide run (executed by run.mjs inside Pyodide, not imported by pytest).

``main(job)`` receives the job as xlwings Lite hands its payloads to Python: a JavaScript object, turned
into Python with ``to_py()`` (a JavaScript ``null`` becomes Pyodide's ``jsnull``). It runs, in the order
given, through xlwings' own Office.js protocol:

- ``requirements``: the text of a workbook's ``requirements.txt``, installed first with micropip from
  ``index_url`` (a PEP 691 index on localhost) as xlwings Lite installs it: its requirements without their
  comments, dependencies resolved by micropip (from Pyodide's lock file, else from the index);
- ``calls``: custom function payloads → ``xlwings.server.custom_functions_call(payload, module)``;
- ``scripts``: {module, name, book} → ``custom_scripts_call(module, name, typehint_to_value={xw.Book: …})``
  with ``xw.Book(json=book)``, and returns ``book.json()`` (the actions sent back to Excel);
- ``lite``: the text of a generated ``main.py``, executed as the module ``main`` as xlwings Lite does;
  its ``custom_functions_meta`` and ``custom_scripts_meta`` are returned, and ``calls`` may name it;
- ``raw_variants``: module names whose copy ``<name>_raw`` declares every argument ``convert="raw"``;
- ``timings``: {name: [payload, repeat, module]} → seconds for ``repeat`` calls, measured inside Pyodide;
- ``probes``: Python expressions evaluated at the end (``sys`` and ``importlib`` at hand), with their values.

It answers with a JSON text: the results, the Python and package versions, and any module that is an
extension module (none may be: the function path must stay pure Python).
"""

import importlib
import importlib.util
import json
import os
import sys
import time

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


def load_lite_main(text):
    """Run main.py as xlwings Lite does (``create_module_from_string`` of its runtime)."""
    spec = importlib.util.spec_from_loader("main", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(text, module.__dict__)
    sys.modules["main"] = module
    return module


def raw_variant(module, name=None):
    """A copy of ``module``'s custom functions whose every argument is declared ``convert="raw"``
    (``@arg(name, "raw")``): xlwings hands the values as Excel sent them, without converting each one."""
    import copy
    import types

    variant = types.ModuleType(name or f"{module.__name__}_raw")
    for attribute in dir(module):
        function = getattr(module, attribute)
        if not hasattr(function, "__xlfunc__"):
            continue
        clone = types.FunctionType(
            function.__code__, function.__globals__, function.__name__, function.__defaults__, function.__closure__
        )
        clone.__dict__.update(function.__dict__)
        clone.__doc__ = function.__doc__
        clone.__xlfunc__ = copy.deepcopy(function.__xlfunc__)
        for argument in clone.__xlfunc__["args"]:
            argument["options"]["convert"] = "raw"
        clone.__xlfunc__["argmap"] = {a["name"]: a for a in clone.__xlfunc__["args"]}
        setattr(variant, attribute, clone)
    sys.modules[variant.__name__] = variant
    return variant


def plain(value):
    """JSON for what the protocol returns (dates as ISO text, anything else as repr)."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return repr(value)


async def install(requirements, index_url):
    """What xlwings Lite does with requirements.txt: every requirement (comments and blank lines left out)
    installed by micropip, with its dependencies."""
    import micropip

    lines = [line.split("#", 1)[0].strip() for line in requirements.splitlines()]
    await micropip.install([line for line in lines if line], index_urls=[index_url])
    return {name: package.version for name, package in micropip.list().items()}


async def main(job_proxy):
    job = job_proxy.to_py()
    started = time.perf_counter()
    installed = {}
    if job.get("requirements"):
        installed = await install(job["requirements"], job["index_url"])
    install_seconds = time.perf_counter() - started
    import pyodide
    import xlwings as xw
    from xlwings.server import custom_functions_call, custom_functions_meta, custom_scripts_call, custom_scripts_meta

    answer = {"python": sys.version.split()[0], "platform": sys.platform, "xlwings": xw.__version__}
    answer["pyodide"] = pyodide.__version__
    answer["installed"] = installed
    answer["install_seconds"] = install_seconds
    modules = {}

    def module(name):
        if name not in modules:
            modules[name] = sys.modules["main"] if name == "main" else importlib.import_module(name)
        return modules[name]

    for name in job.get("raw_variants", []):
        modules[f"{name}_raw"] = raw_variant(importlib.import_module(name))

    if job.get("lite"):
        loading = time.perf_counter()
        lite = load_lite_main(job["lite"])
        answer["main_seconds"] = time.perf_counter() - loading
        modules["main"] = lite
        answer["lite_functions"] = plain(custom_functions_meta(lite))
        answer["lite_scripts"] = plain(custom_scripts_meta(lite))

    answer["calls"] = []
    for call in job.get("calls", []):
        try:
            result = await custom_functions_call(call["payload"], module(call["module"]))
        except Exception as exc:  # the comparison shows which call failed, and why
            import traceback

            result = {"exception": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-3000:]}
        answer["calls"].append(plain(result))

    answer["scripts"] = []
    for script in job.get("scripts", []):
        book = xw.Book(json=script["book"])
        try:
            await custom_scripts_call(module(script["module"]), script["name"], typehint_to_value={xw.Book: book})
        except Exception as exc:
            import traceback

            answer["scripts"].append(
                {"exception": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-3000:]}
            )
        else:
            answer["scripts"].append(plain(book.json()))

    answer["timings"] = {}
    for name, (payload, repeat, module_name) in job.get("timings", {}).items():
        target = module(module_name)
        await custom_functions_call(payload, target)  # warm up
        begin = time.perf_counter()
        for _ in range(repeat):
            await custom_functions_call(payload, target)
        answer["timings"][name] = time.perf_counter() - begin

    answer["probes"] = {}
    for expression in job.get("probes", []):
        try:
            answer["probes"][expression] = plain(eval(expression, {"sys": sys, "importlib": importlib}))
        except Exception as exc:
            answer["probes"][expression] = {"exception": f"{type(exc).__name__}: {exc}"}

    answer["extension_modules"] = sorted(
        name
        for name, loaded in list(sys.modules.items())
        if (getattr(loaded, "__file__", None) or "").endswith(".so") and "site-packages" in loaded.__file__
    )
    answer["seconds"] = time.perf_counter() - started
    return json.dumps(answer)
