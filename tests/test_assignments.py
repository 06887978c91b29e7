"""The graded assignments grade as they should: built with ``otter assign``, graded with ``otter run``.

For every master notebook ``assignments/<name>/<name>.ipynb`` this generates the
student and autograder versions with ``otter assign`` into a temporary
directory, then grades two notebooks locally (no Docker) exactly as an
instructor would with ``otter run -a dist/autograder/<zip> NOTEBOOK``:

* the solution notebook must get full marks on every question;
* the untouched student notebook, whose answers are stubs, must get zero on every question;

and it checks that the student version holds no line of any solution and no
hidden test, and that the points the notebook states are the points otter awards.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MASTERS = sorted(path for path in (ROOT / "assignments").glob("*/*.ipynb")
                 if path.stem == path.parent.name and "dist" not in path.parts)
OTTER = [sys.executable, "-m", "otter"]


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _run(command: list[str], cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(process: subprocess.Popen, what: str) -> None:
    output, _ = process.communicate()
    assert process.returncode == 0, f"{what} failed:\n{output[-4000:]}"


def _scores(results_json: Path) -> dict[str, tuple[float, float]]:
    """Question name -> (score, max_score) from otter's results.json (the public-tests summary has no score)."""
    tests = json.loads(results_json.read_text())["tests"]
    return {t["name"]: (t["score"], t["max_score"]) for t in tests if "max_score" in t and t.get("max_score")}


@pytest.fixture(scope="module", params=MASTERS, ids=lambda p: p.stem)
def graded(request, tmp_path_factory):
    """Build one assignment and grade its solution and student notebooks (both at once, on two cores)."""
    master: Path = request.param
    work = tmp_path_factory.mktemp(master.stem)
    dist = work / "dist"
    # --no-run-tests: otter assign would run the solution through the autograder once more; the
    # grading below does exactly that, so the test skips the duplicate (instructors keep the check).
    _wait(_run([*OTTER, "assign", "--no-run-tests", str(master), str(dist)], cwd=master.parent), "otter assign")
    (zip_path,) = (dist / "autograder").glob("*.zip")
    runs = {}
    for version in ("autograder", "student"):
        out = work / f"results_{version}"
        out.mkdir()
        notebook = dist / version / master.name
        runs[version] = (out, _run([*OTTER, "run", "--no-logo", "-a", str(zip_path), "-o", str(out), str(notebook)],
                                   cwd=work))
    for version, (out, process) in runs.items():
        _wait(process, f"otter run on the {version} notebook")
    return {
        "master": master,
        "student": dist / "student" / master.name,
        "solution_scores": _scores(runs["autograder"][0] / "results.json"),
        "student_scores": _scores(runs["student"][0] / "results.json"),
    }


def _questions(master: Path) -> list[str]:
    names = []
    for cell in _cells(master):
        match = re.match(r"#\s*BEGIN QUESTION\s*\nname:\s*(\S+)", _source(cell)) if cell["cell_type"] == "raw" else None
        if match:
            names.append(match.group(1))
    return names


def test_there_are_five_assignments():
    assert len(MASTERS) == 5, [p.name for p in MASTERS]


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_master_is_stored_clean_and_installs_like_the_chapters(master):
    import yaml

    code = [c for c in _cells(master) if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "stored with outputs"
    first = _source(code[0])
    assert "REPOSITORY = " in first and "pip" in first and "setup_notebook(" in first and "otter.Notebook(" in first
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    assert re.findall(r'^REPOSITORY = "([^"]*)"', first, re.MULTILINE) == [url], "run tools/set_repository.py"


def test_solution_gets_full_marks(graded):
    scores = graded["solution_scores"]
    assert sorted(scores) == sorted(_questions(graded["master"])), scores
    lost = {name: score for name, score in scores.items() if score[0] != score[1]}
    assert not lost, f"the solution loses points on {lost}"


def test_stated_points_are_the_points_awarded(graded):
    intro = next(_source(c) for c in _cells(graded["master"]) if c["cell_type"] == "markdown")
    stated = int(re.search(r"\*\*Points: (\d+)\*\*", intro).group(1))
    assert sum(maximum for _, maximum in graded["solution_scores"].values()) == stated


def test_untouched_student_notebook_gets_no_marks(graded):
    master, student = graded["master"], graded["student"]
    solutions = sum(len(re.findall(r"^\s*# BEGIN SOLUTION", _source(c), re.MULTILINE))
                    for c in _cells(master) if c["cell_type"] == "code")
    stubs = sum(len(re.findall(r"^\s*(\.\.\.|raise NotImplementedError)\s*$", _source(c), re.MULTILINE))
                for c in _cells(student) if c["cell_type"] == "code")
    assert solutions and stubs >= solutions, f"{solutions} solutions but {stubs} stubs in the student version"
    scores = graded["student_scores"]
    assert sorted(scores) == sorted(_questions(master)), scores
    scored = {name: score for name, score in scores.items() if score[0] != 0}
    assert not scored, f"the untouched student notebook earns points on {scored}"


def _solution_lines(master: Path) -> set[str]:
    """Every non-blank line inside a BEGIN/END SOLUTION block of the master, minus lines also found outside."""
    inside_lines, outside_lines = set(), set()
    for cell in _cells(master):
        if cell["cell_type"] != "code":
            continue
        inside = False
        for line in _source(cell).splitlines():
            stripped = line.strip()
            if re.match(r"#\s*BEGIN SOLUTION", stripped):
                inside = True
            elif re.match(r"#\s*END SOLUTION", stripped):
                inside = False
            elif stripped:
                (inside_lines if inside else outside_lines).add(stripped)
    return inside_lines - outside_lines


def _hidden_tests(master: Path) -> list[str]:
    return [_source(c) for c in _cells(master)
            if c["cell_type"] == "code" and re.match(r"#\s*HIDDEN", _source(c), re.IGNORECASE)]


def test_student_version_holds_no_solution_and_no_hidden_test(graded):
    master, student = graded["master"], graded["student"]
    student_text = json.dumps(json.loads(student.read_text()))  # code cells and metadata (public tests) alike
    student_lines = {line.strip() for cell in _cells(student) for line in _source(cell).splitlines()}
    solution = _solution_lines(master)
    assert solution, "the master notebook has no solution lines"
    leaked = sorted(solution & student_lines)
    assert not leaked, f"solution lines in the student notebook: {leaked[:5]}"
    hidden = _hidden_tests(master)
    assert hidden, "the master notebook has no hidden tests"
    for test in hidden:
        name = re.search(r"def (\w+)", test).group(1)
        assert name not in student_text, f"hidden test {name} is in the student notebook"
    for other in student.parent.rglob("*"):
        if other.is_file() and other != student:
            text = other.read_text(errors="ignore")
            assert not any(re.search(r"def (\w+)", t).group(1) in text for t in hidden), other
