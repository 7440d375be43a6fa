// Runs a Python driver inside Pyodide under Node, offline, from the project's own files.
//
//   node run.mjs DRIVER.py JOB.json [WHEEL_DIR...] > result.json
//
// Pyodide is loaded from the folder the job names (`pyodide_dist`: Pyodide's distribution as xlwings Lite loads
// it, prepared by lite_packages.py) or from node_modules (npm `pyodide`, pinned in package-lock.json). When the
// job has `requirements`, micropip is loaded from that distribution first, as xlwings Lite does, and the driver
// installs them. Every *.whl of the given folders is unpacked into site-packages with
// `pyodide.unpackArchive(bytes, "wheel")` (the benchmark's way). The driver defines `async def main(job)`; the
// job, read from JOB.json, reaches it as a JavaScript object (a JsProxy), as xlwings Lite hands its payloads to
// Python; main returns a JSON string, written to standard output.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const here = dirname(fileURLToPath(import.meta.url));
const [driverPath, jobPath, ...wheelDirs] = process.argv.slice(2);
if (!driverPath || !jobPath) {
  console.error("usage: node run.mjs DRIVER.py JOB.json [WHEEL_DIR...]");
  process.exit(2);
}

const job = JSON.parse(readFileSync(jobPath, "utf-8"));
const indexURL = job.pyodide_dist ?? join(here, "node_modules", "pyodide");
const pyodide = await loadPyodide({
  indexURL: indexURL.endsWith("/") ? indexURL : indexURL + "/",
  // Python's own prints go to standard error, so that standard output carries the result only.
  stdout: (line) => console.error(line),
  stderr: (line) => console.error(line),
});

if (job.requirements) {
  await pyodide.loadPackage("micropip", { messageCallback: (m) => console.error(m), errorCallback: (m) => console.error(m) });
}

const unpacked = [];
for (const folder of wheelDirs) {
  for (const name of readdirSync(folder).sort()) {
    if (name.endsWith(".whl")) {
      pyodide.unpackArchive(new Uint8Array(readFileSync(join(folder, name))), "wheel");
      unpacked.push(name);
    }
  }
}

job.wheels = unpacked;
try {
  pyodide.runPython(readFileSync(driverPath, "utf-8"));
  const main = pyodide.globals.get("main");
  process.stdout.write(await main(job));
} catch (error) {
  // A Python error carries its traceback in its message; the minified runtime around it says nothing.
  console.error(error.message ?? String(error));
  process.exit(1);
}
