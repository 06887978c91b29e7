"""Do what Colab does with a chapter, on this machine, and check that it works.

Colab gives a reader a Python with torch, torchvision and numpy already installed
and no cnnbook. A chapter's first cell must then install cnnbook from the book's
repository without touching those three, and the chapter must run. This script:

1. clones the repository (what is committed at HEAD) into a temporary folder and
   points the clone's repository address at itself (``file://...``) with
   ``tools/set_repository.py``, the same setting a real address goes through;
2. makes a fresh virtual environment and installs only torch, torchvision and
   numpy into it, at the versions this environment has (pip takes them from its cache);
3. runs every code cell of one chapter (default: chapter 2) in that environment,
   the set-up cell first and as it is, so that it installs cnnbook from the clone;
4. checks that cnnbook was installed from the clone and that ``pip freeze`` shows
   torch, torchvision and numpy unchanged.

Usage::

    python tools/colab_simulation.py [book/02_architecture.ipynb]

It needs a network path to the package registry (cnnbook's other dependencies are
installed from it) and takes a few minutes; ``.ci/run`` runs it after the build.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREINSTALLED = ("torch", "torchvision", "numpy")  # what Colab already has and must keep


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], check=True, text=True, **kwargs)


def frozen(python: Path) -> dict[str, str]:
    """``pip freeze`` of ``python``'s environment as {lower-case name: line}."""
    lines = run(python, "-m", "pip", "freeze", capture_output=True).stdout.splitlines()
    return {line.split("==")[0].split(" @ ")[0].strip().lower(): line for line in lines if line.strip()}


def chapter_script(notebook: Path) -> str:
    """The code cells of ``notebook`` as one script (the book's code cells are plain Python)."""
    cells = json.loads(notebook.read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    if any(line.lstrip().startswith(("%", "!")) for cell in code for line in cell.splitlines()):
        raise ValueError(f"expected plain Python cells in {notebook.name}, found IPython magics")
    return "\n\n".join(code) + "\n"


def main(chapter: str = "book/02_architecture.ipynb") -> int:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="colab-") as tmp:
        tmp = Path(tmp)
        clone, env = tmp / "clone", tmp / "colab"
        run("git", "clone", "--quiet", ROOT, clone)
        url = f"file://{clone}"
        run(sys.executable, clone / "tools" / "set_repository.py", url, capture_output=True)
        run("git", "-C", clone, "-c", "user.name=ci", "-c", "user.email=ci@localhost",
            "commit", "--quiet", "-am", "point the repository address at this clone")

        run(sys.executable, "-m", "venv", env)
        python = env / "bin" / "python"
        run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(python, "-m", "pip", "install", "--quiet", *[f"{name}=={version(name)}" for name in PREINSTALLED])
        before = frozen(python)
        if "cnnbook" in before:
            raise SystemExit("the fresh environment already has cnnbook")

        script = tmp / "chapter.py"
        script.write_text(chapter_script(clone / chapter))
        environment = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": ""}
        run(python, script, cwd=clone / "book", env=environment)

        after = frozen(python)
        problems = [f"{name} changed: {before.get(name)} -> {after.get(name)}"
                    for name in PREINSTALLED if before.get(name) != after.get(name)]
        if url not in after.get("cnnbook", ""):
            problems.append(f"cnnbook was not installed from the clone: {after.get('cnnbook')!r}")
    seconds = time.perf_counter() - start
    if problems:
        print("Colab simulation FAILED:\n" + "\n".join(f"  - {p}" for p in problems))
        return 1
    print(f"Colab simulation passed in {seconds:.0f} s: {chapter} ran after its set-up cell installed cnnbook "
          f"from {url}; {', '.join(before[n] for n in PREINSTALLED)} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
