"""Each chapter's CPU budget (SYLLABUS.md, column "CPU budget"): the wall time the whole
notebook may take on a 2-core CPU without a GPU. The root ``conftest.py`` prints each
notebook's measured time against it at the end of ``pytest``."""
from __future__ import annotations

from pathlib import Path

# chapter number -> seconds
CPU_BUDGET_S = {
    1: 60, 2: 30, 3: 45, 4: 60, 5: 45, 6: 30, 7: 60, 8: 90, 9: 90, 10: 90, 11: 90, 12: 120,
    13: 90, 14: 90, 15: 90, 16: 30, 17: 60, 18: 120, 19: 120, 20: 120, 21: 60, 22: 90,
    23: 120, 24: 120,
}


def chapter_budget(notebook: str | Path) -> int | None:
    """The CPU budget in seconds of ``book/NN_name.ipynb`` (``None`` if the name has no known chapter number)."""
    prefix = Path(notebook).name.split("_", 1)[0]
    return CPU_BUDGET_S.get(int(prefix)) if prefix.isdigit() else None
