"""Set the book's repository address in its one place and in every notebook.

The address is kept in ``_config.yml`` (``repository.url``). Notebooks cannot
read that file when they run in Colab, so each notebook's set-up cell holds a
copy in the line ``REPOSITORY = "..."``, and so does each assignment's master
notebook (``assignments/<name>/<name>.ipynb``). This script writes the address into
both; ``tests/test_notebooks.py`` and ``tests/test_assignments.py`` check that they agree.

Usage::

    python tools/set_repository.py https://github.com/OWNER/REPO

A ``file:///path/to/a/clone`` address is accepted too: ``tools/colab_simulation.py``
uses it to run a chapter's set-up cell against a local clone, as Colab would
against the real repository.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
URL_LINE = re.compile(r"^(\s*url:\s*)(\S+)(.*)$", re.MULTILINE)
NOTEBOOK_LINE = re.compile(r'^REPOSITORY = "[^"]*"', re.MULTILINE)


def main(url: str) -> None:
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+|file:///\S+", url):
        raise SystemExit(f"expected https://github.com/OWNER/REPO (or file:///path/to/a/clone), got {url!r}")
    config = ROOT / "_config.yml"
    text = config.read_text()
    section = text.index("repository:")
    head, tail = text[:section], text[section:]
    config.write_text(head + URL_LINE.sub(lambda m: m.group(1) + url + m.group(3), tail, count=1))
    notebooks = [*(ROOT / "book").glob("*.ipynb"), *(ROOT / "assignments").glob("*/*.ipynb")]  # chapters, assignments
    for path in sorted(notebooks):
        notebook = json.loads(path.read_text())
        for cell in notebook["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and NOTEBOOK_LINE.search(source):
                cell["source"] = NOTEBOOK_LINE.sub(f'REPOSITORY = "{url}"', source).splitlines(keepends=True)
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    print(f"repository set to {url} in _config.yml and every notebook")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
