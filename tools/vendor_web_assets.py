"""Copy the JavaScript the website needs into ``web/vendor`` so that it reads offline.

The built site must render formulas (MathJax) and diagrams (Mermaid) on a laptop
with no network, so it serves both from its own ``_static`` folder instead of a
CDN. This script fetches the two npm packages with ``npm pack`` (the npm
registry is the only network it needs) and copies the few files the site loads:

- MathJax 3 (Apache-2.0): the ``tex-mml-chtml`` component, its web fonts and the
  TeX extensions it loads on demand;
- Mermaid (MIT): the single-file browser build, with a small ES-module shim,
  because sphinxcontrib-mermaid imports Mermaid as a module.

The copies are committed, so building the book never needs npm; run this script
only to move to other versions:  ``python tools/vendor_web_assets.py``.
"""
from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

MATHJAX = "mathjax@3.2.2"
MERMAID = "mermaid@11.17.2"
VENDOR = Path(__file__).resolve().parents[1] / "web" / "vendor"

SHIM = """\
// sphinxcontrib-mermaid imports Mermaid as an ES module; the single-file browser
// build (mermaid.min.js) defines the global `mermaid` instead. Load it as a classic
// script, then re-export the global: this saves the 17 MB of Mermaid's ES chunks.
await new Promise((resolve, reject) => {
  const script = document.createElement("script");
  script.src = new URL("./mermaid.min.js", import.meta.url).href;
  script.onload = resolve;
  script.onerror = () => reject(new Error(`could not load ${script.src}`));
  document.head.appendChild(script);
});
export default globalThis.mermaid;
"""


def unpack(spec: str, into: Path) -> Path:
    """``npm pack`` one package into ``into`` and return its extracted ``package/`` folder."""
    name = subprocess.run(["npm", "pack", spec, "--silent"], cwd=into, check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]
    target = into / spec.split("@")[0]
    with tarfile.open(into / name) as archive:
        archive.extractall(target, filter="data")
    return target / "package"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mathjax, mermaid = unpack(MATHJAX, tmp), unpack(MERMAID, tmp)
        shutil.rmtree(VENDOR, ignore_errors=True)
        out = VENDOR / "mathjax"
        out.mkdir(parents=True)
        shutil.copy2(mathjax / "es5" / "tex-mml-chtml.js", out)
        for sub in ("output/chtml/fonts/woff-v2", "input/tex/extensions"):
            shutil.copytree(mathjax / "es5" / sub, out / sub)
        shutil.copy2(mathjax / "LICENSE", out / "LICENSE")
        out = VENDOR / "mermaid"
        out.mkdir(parents=True)
        shutil.copy2(mermaid / "dist" / "mermaid.min.js", out)
        shutil.copy2(mermaid / "LICENSE", out / "LICENSE")
        (out / "mermaid.mjs").write_text(SHIM)
        (VENDOR / "VERSIONS.txt").write_text(f"{MATHJAX}\n{MERMAID}\n")
    print(f"wrote {VENDOR}")


if __name__ == "__main__":
    main()
