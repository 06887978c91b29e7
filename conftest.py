"""Session-wide pytest hooks: each chapter's run time against its CPU budget.

nbval runs every notebook under ``book/`` cell by cell; pytest's
``--durations`` lists the cells. This hook adds up the cells of each notebook
and prints one line per chapter at the end of the run, next to the chapter's
budget (``tools/chapter_budgets.py``, copied from ``SYLLABUS.md``: the wall time
the whole notebook may take on a 2-core CPU without a GPU). It reports; it does not fail the run, because a
machine busy with other work can be slower than the one the budgets are for.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "tools"))
import pytest  # noqa: E402
from chapter_budgets import chapter_budget  # noqa: E402

_notebook_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report) -> None:
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration  # set-up, call and tear-down of each cell


@pytest.hookimpl(trylast=True)  # after the list of slowest cells, so that it is the last thing printed
def pytest_terminal_summary(terminalreporter) -> None:
    if not _notebook_seconds:
        return
    terminalreporter.section("chapter run times against their CPU budgets")
    for path, seconds in sorted(_notebook_seconds.items()):
        budget = chapter_budget(path)
        verdict = "no budget" if budget is None else f"budget {budget:4d} s  {100 * seconds / budget:4.0f} %"
        flag = "  OVER BUDGET" if budget is not None and seconds > budget else ""
        terminalreporter.write_line(f"{path:45s} {seconds:7.1f} s   {verdict}{flag}")
    terminalreporter.write_line(f"{'all notebooks':45s} {sum(_notebook_seconds.values()):7.1f} s")
