"""The browser checker of the website (tools/site_check.py) finds what it is meant to find.

A tiny site is written by hand with the same vendored MathJax and Mermaid the book
serves: one sound page, then the same page with one deliberate fault each (a broken
formula, a broken diagram, a missing image, a dead link, a dead anchor). The checker
must pass the sound page and name the fault, and only that fault, on each broken one.

It needs Debian's Chromium (``apt-get install chromium``); ``.ci/run`` installs it.
Without it the test is skipped on a reader's machine but fails in CI (``CI=true``).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from site_check import check_site, find_chromium, format_problems

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "web" / "vendor"

if find_chromium() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must have Chromium for the browser test (.ci/run installs Debian's chromium)",
                    pytrace=False)
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{name}</title>
<script>window.MathJax = {{startup: {{typeset: true}}}};</script>
<script defer src="vendor/mathjax/tex-mml-chtml.js"></script>
<script type="module">
import mermaid from "./vendor/mermaid/mermaid.mjs";
mermaid.initialize({{startOnLoad: false}});
try {{ await mermaid.run({{querySelector: ".mermaid"}}); }} catch (error) {{ }}
</script>
</head><body><main>
<h1 id="top">A page</h1>
<p>Inline math <span class="math notranslate nohighlight">{formula}</span> in a sentence.</p>
<pre class="mermaid">{diagram}</pre>
<img src="{image}" alt="a red square">
<p><a href="{link}">a link</a></p>
</main></body></html>
"""
SOUND = dict(formula=r"\(x^2 + \frac{1}{2}\)", diagram="flowchart LR\n  A --> B",
             image="square.png", link="other.html#section")
# fault -> (the broken value, what the checker must say: one of these prefixes)
FAULTS = {
    "formula": (r"\(x^2 + \frac{1}{2\)", ("formula not typeset", "raw TeX left visible")),  # unbalanced brace
    "tex_error": (r"\(x^2 + \frac{1}\)", ("formula with a TeX error",)),  # \frac without its 2nd argument
    "diagram": ("flowchart LR\n  A --> --> ]]", ("Mermaid diagram not rendered",)),
    "image": ("missing.png", ("image not loaded", "HTTP 404", "console error: Failed to load resource")),
    "link": ("nowhere.html", ("link to a missing file",)),
    "anchor": ("other.html#no-such-section", ("link to a missing anchor",)),
}
FIELD = {"tex_error": "formula", "anchor": "link"}  # the page field each fault breaks
# A 1 x 1 red PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000"
    "0003010100c9fe92ef0000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(VENDOR, root / "vendor")
    (root / "square.png").write_bytes(PNG)
    (root / "other.html").write_text('<html><body><main><h2 id="section">Other</h2></main></body></html>')
    (root / "sound.html").write_text(PAGE.format(name="sound", **SOUND))
    for fault, (value, _) in FAULTS.items():
        key = FIELD.get(fault, fault)
        (root / f"broken_{fault}.html").write_text(PAGE.format(name=fault, **{**SOUND, key: value}))
    return root


@pytest.fixture(scope="module")
def reports(site, tmp_path_factory) -> dict[str, list[str]]:
    shots = tmp_path_factory.mktemp("shots")
    found = check_site(site, shots, search_word=None)
    assert sorted(p.name for p in shots.iterdir()) == sorted(f"{r.page[:-5]}.png" for r in found)
    return {report.page: report.problems for report in found}


def test_a_sound_page_has_no_problem(reports):
    assert reports["sound.html"] == [], format_problems([])
    assert reports["other.html"] == []


@pytest.mark.parametrize("fault", FAULTS)
def test_each_deliberate_fault_is_named_on_its_page(reports, fault):
    problems = reports[f"broken_{fault}.html"]
    expected = FAULTS[fault][1]
    assert any(p.startswith(expected[0]) for p in problems), problems
    unrelated = [p for p in problems if not p.startswith(expected)]
    assert unrelated == [], unrelated


def test_the_report_lists_problems_by_page(reports):
    from site_check import PageReport

    text = format_problems([PageReport("a.html", ["x", "x", "y"]), PageReport("b.html", [])])
    assert text == "a.html:\n  - x\n  - y"


def test_a_folder_without_pages_is_refused(tmp_path):
    with pytest.raises(ValueError, match="expected a built site"):
        check_site(tmp_path)
