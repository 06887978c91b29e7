"""Build the student edition of the website (every worked solution hidden) and check it.

Instructors who grade the exercises hand students this edition: the same book with
the ``{solution}`` blocks left out (by ``_ext/site_fixes.py``; sphinx-exercise's own
``hide_solutions`` leaves the content of gated solutions in place). Usage::

    python tools/student_edition.py            # build into _build/student/_build/html, then check
    python tools/student_edition.py --check    # only check an existing student build

The build reuses the execution cache of the main build (``_build/.jupyter_cache``),
so after ``jupyter-book build .`` it re-runs no chapter. The check takes a
distinctive phrase from every solution in the sources and requires that none of
them appears in the student pages; where the full edition has been built it also
requires that each phrase does appear there, so that the check is seen to work.
It exits 1, naming each leaked solution, or 0.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "_build" / "student"
FULL_HTML = ROOT / "_build" / "html"
# A solution is one directive ({solution}), or the cells between {solution-start} and {solution-end}.
SOLUTION = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution\}[^\n]*\n(?P<body>.*?)^(?P=fence)\s*$"
                      r"|\{solution-start\}[^\n]*\n(?P<gated>.*?)\{solution-end\}",
                      re.MULTILINE | re.DOTALL)
WORDS_PER_PHRASE = 6
SMART_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "--",
                              "\u2014": "---"})


def sources() -> list[Path]:
    return sorted((ROOT / "book").glob("*.ipynb")) + sorted((ROOT / "book").glob("*.md"))


def markdown_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text()


def solution_phrases() -> dict[str, str]:
    """{label or file:position: a phrase of plain words from that solution's prose}."""
    phrases = {}
    for path in sources():
        for number, match in enumerate(SOLUTION.finditer(markdown_of(path)), start=1):
            for line in (match.group("body") or match.group("gated")).splitlines():
                if line.startswith((":", "```")) or re.search(r"[$`*_\[\]<>{}|\\#]", line):
                    continue  # directive options, math, code, markup: rendered differently in HTML
                words = line.split()
                if len(words) >= WORDS_PER_PHRASE:
                    phrases[f"{path.name} solution {number}"] = " ".join(words[:WORDS_PER_PHRASE])
                    break
    return phrases


def page_text(root: Path) -> str:
    """The visible text of every page under ``root``, tags removed, whitespace collapsed."""
    texts = []
    for page in sorted(root.rglob("*.html")):
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        raw = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text(errors="replace"), flags=re.DOTALL)
        texts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
    text = " ".join(texts).translate(SMART_QUOTES)  # Sphinx turns ' and " into typographic quotes
    return re.sub(r"\s+", " ", text)


def build() -> Path:
    """Build the student edition; return the folder holding its HTML."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("sphinx", {}).setdefault("config", {})["cnnbook_student_edition"] = True  # _ext/site_fixes.py
    config["title"] = f"{config['title']} (student edition)"
    config.setdefault("execute", {})["cache"] = str(ROOT / "_build" / ".jupyter_cache")
    with tempfile.NamedTemporaryFile("w", suffix=".yml", dir=ROOT, delete=False) as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
    try:
        subprocess.run(["jupyter-book", "build", "-W", "--keep-going", "--config", handle.name,
                        "--path-output", str(STUDENT), str(ROOT)], check=True)
    finally:
        Path(handle.name).unlink()
    return STUDENT / "_build" / "html"


def check(student_html: Path) -> list[str]:
    """What is wrong: solutions that leaked into the student pages, or a check that could not work."""
    phrases = solution_phrases()
    if not phrases:
        return ["found no solution in the book's sources: the check would prove nothing"]
    student = page_text(student_html)
    problems = [f"{where}: {phrase!r} is in the student edition" for where, phrase in phrases.items()
                if phrase in student]
    if FULL_HTML.exists():
        full = page_text(FULL_HTML)
        problems += [f"{where}: {phrase!r} is not in the full edition either, so its absence proves nothing"
                     for where, phrase in phrases.items() if phrase not in full]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check an existing student build")
    args = parser.parse_args(argv)
    student_html = STUDENT / "_build" / "html" if args.check else build()
    problems = check(student_html)
    if problems:
        print("student edition FAILED:\n" + "\n".join(f"  - {p}" for p in problems))
        return 1
    print(f"student edition in {student_html}: none of the {len(solution_phrases())} solutions appears in it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
