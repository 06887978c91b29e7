"""benchmarks/conv_stages.py runs and names the helpers it times (correctness of the tool, never timing)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_conv_stages_reports_every_stage_of_a_small_convolution() -> None:
    # C_out > C_in and stride 1: the backward pass takes the col2im path
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "conv_stages.py"), "--shape", "3", "2", "4", "6", "3", "1",
         "--repeats", "2", "--threads", "1", "--with-torch"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=True,
    )
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[2:] if line.strip()}
    for stage in ("im2col", "rows_to_images", "images_to_rows", "_weight_gradient", "_grouped_product",
                  "col2im", "(conv2d_*", "="):
        assert stage in rows, f"{stage} missing from:\n{result.stdout}"
    assert "N=3, 2->4, 6x6, k=3, p=1" in result.stdout
