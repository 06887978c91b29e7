"""Checks of the book's sources: notebooks stored clean, the table of contents, the repository address."""
import json
import sys
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def load(path):
    return json.loads(path.read_text())


def test_there_are_notebooks():
    assert NOTEBOOKS, "no chapter notebooks found under book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    for index, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name}: code cell {index} is stored with outputs"
            assert cell.get("execution_count") is None, f"{path.name}: code cell {index} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_sets_up_the_chapter(path):
    code_cells = ["".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "code"]
    first = code_cells[0]
    assert "REPOSITORY = " in first and "pip" in first and "setup_notebook(" in first, (
        f"{path.name}: the first code cell must install cnnbook where missing and call setup_notebook"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_is_collapsed_on_the_website(path):
    first = next(c for c in load(path)["cells"] if c["cell_type"] == "code")
    assert "hide-cell" in first.get("metadata", {}).get("tags", []), (
        f"{path.name}: tag the set-up cell 'hide-cell' so that the chapter starts with its text on the website"
    )


def configured_repository():
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_repository_matches_the_config(path):
    sources = "".join("".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "code")
    found = re.findall(r'^REPOSITORY = "([^"]*)"', sources, re.MULTILINE)
    assert found == [configured_repository()], (
        f"{path.name}: REPOSITORY is {found}, _config.yml says {configured_repository()!r}; "
        "run tools/set_repository.py"
    )


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_toc_lists_only_files_that_exist():
    for entry in toc_files():
        candidates = [ROOT / f"{entry}{suffix}" for suffix in (".md", ".ipynb")]
        assert any(c.exists() for c in candidates), f"_toc.yml lists {entry}, which does not exist"


def test_every_notebook_is_in_the_toc_in_chapter_order():
    listed = [entry for entry in toc_files() if (ROOT / f"{entry}.ipynb").exists()]
    assert sorted(f"book/{p.stem}" for p in NOTEBOOKS) == sorted(listed)
    assert listed == sorted(listed), "chapters must appear in the order of their numbers"


def test_bibliography_keys_cited_in_notebooks_exist():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, re.MULTILINE))
    for path in NOTEBOOKS + [ROOT / "book" / "intro.md"]:
        text = path.read_text()
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
            for key in group.split(","):
                assert key.strip() in keys, f"{path.name} cites {key.strip()!r}, which is not in references.bib"


def test_bibliography_parses_without_duplicates():
    from pybtex.database import parse_file

    entries = parse_file(str(ROOT / "book" / "references.bib")).entries  # raises on a syntax error
    keys = re.findall(r"^@\w+\{([^,]+),", (ROOT / "book" / "references.bib").read_text(), re.MULTILINE)
    assert len(keys) == len(set(keys)) == len(entries)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_has_a_cpu_budget(path):
    sys.path.insert(0, str(ROOT / "tools"))
    from chapter_budgets import chapter_budget  # the root conftest.py reports run times against these

    assert chapter_budget(path) is not None, f"{path.name}: no CPU budget in conftest.CPU_BUDGET_S"
