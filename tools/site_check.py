"""Check the built website in a real browser, the way a reader sees it.

Serves a built site (``_build/html``) on 127.0.0.1, opens every page in headless
Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) with every request
that does not go to 127.0.0.1 blocked, and reports, page by page:

- JavaScript errors, failed requests and requests that leave the machine;
- formulas that MathJax did not typeset (raw ``$$``, ``\\(``, ``\\[`` or ``\\begin``
  left in the visible text, or a ``.math`` element without MathJax output) or
  typeset as a TeX error;
- Mermaid diagrams not rendered to SVG, or rendered as Mermaid's syntax-error picture; images that did not load (natural width 0);
- internal links whose file or anchor does not exist;
- on chapter pages (those built from a notebook): missing Colab, Binder or
  download buttons;
- on the search page: no result for "convolution".

It saves a screenshot of every page. Usage::

    python tools/site_check.py _build/html --screenshots _build/screenshots

It exits 1 with the list of problems, 0 when there are none.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{")
REDIRECT = re.compile(r'<meta http-equiv="Refresh" content="0; url=([^"]+)"', re.IGNORECASE)
SKIP_PAGES = {"genindex.html"}  # generated index, no content of its own


def find_chromium() -> str | None:
    """The system browser: Debian's chromium, or another Chromium-family binary on PATH."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


# ----------------------------------------------------------------------------- static link check


class _Anchors(HTMLParser):
    """Collects ids / names (anchor targets) and hrefs of one HTML file."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name"):
            if values.get(key):
                self.ids.add(values[key])
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"])


@functools.lru_cache(maxsize=None)
def _parse(path: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def broken_links(root: Path, page: Path) -> list[str]:
    """Internal links of ``page`` (a file under ``root``) whose target file or anchor is missing."""
    problems = []
    for href in _parse(page).hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
            continue  # external: the launch buttons, the repository, citations' DOIs
        target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.exists() or root.resolve() not in (target.resolve(), *target.resolve().parents):
            problems.append(f"link to a missing file: {href}")
            continue
        anchor = unquote(parts.fragment)
        if anchor and target.suffix == ".html" and anchor not in _parse(target).ids:
            problems.append(f"link to a missing anchor: {href}")
    return problems


# ----------------------------------------------------------------------------- the browser check

# Run in the page once it has loaded: wait for MathJax and Mermaid, then report what did not render.
_RENDER_REPORT = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  // Mermaid renders a diagram when it scrolls into view: show each, then wait for its SVG.
  const diagrams = Array.from(document.querySelectorAll('.mermaid'));
  for (const d of diagrams) { d.scrollIntoView(); }
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline && diagrams.some(d => !d.querySelector('svg'))) {
    await new Promise(r => setTimeout(r, 100));
  }
  // Images may load lazily: bring each into view and wait until it is complete.
  const images = Array.from(document.images);
  for (const img of images) { img.loading = 'eager'; img.scrollIntoView(); }
  await Promise.all(images.map(img => img.complete ? null : new Promise(r => { img.onload = img.onerror = r; })));
  window.scrollTo(0, 0);
  const main = document.querySelector('main') || document.body;
  const clone = main.cloneNode(true);
  clone.querySelectorAll('pre, code, .highlight, script, style, mjx-container, .mermaid, .cell_output')
       .forEach(e => e.remove());
  return {
    text: clone.innerText,
    math: Array.from(document.querySelectorAll('.math')).filter(m => !m.querySelector('mjx-container'))
               .map(m => m.textContent.trim().slice(0, 60)),
    texErrors: Array.from(document.querySelectorAll('mjx-merror'))
                    .map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80)),
    mermaid: diagrams.filter(d => !d.querySelector('svg') || d.querySelector('svg[aria-roledescription="error"]'))
                     .map(d => (d.getAttribute('data-original') || d.textContent).trim().slice(0, 60)),
    images: images.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.getAttribute('src')),
    colab: !!document.querySelector('a[href*="colab.research.google.com"]'),
    binder: !!document.querySelector('a[href*="mybinder.org"]'),
    download: !!document.querySelector('a[href$=".ipynb"], a[download], .btn-download-source-button'),
    notebook: !!document.querySelector('.cell, div.cell_input'),
  };
}
"""


@dataclass
class PageReport:
    """What is wrong with one page (empty ``problems``: nothing)."""

    page: str
    problems: list[str] = field(default_factory=list)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D102 - the test prints its own report
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the browser cancelled a request: not a fault
            super().handle_error(request, client_address)


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``root`` on 127.0.0.1 at a free port in a background thread; return the server and its URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def check_site(root: str | Path, screenshots: str | Path | None = None, *,
               chromium: str | None = None, search_word: str | None = "convolution") -> list[PageReport]:
    """Open every HTML page under ``root`` in headless Chromium and return one report per page.

    Args:
        root: the built site (the folder holding ``index.html``).
        screenshots: a folder for one PNG per page; ``None`` for none.
        chromium: the browser binary; default :func:`find_chromium`.
        search_word: a word the search page must find (``None`` to skip that check).

    Raises:
        ValueError: if ``root`` holds no HTML page or no browser is found.
    """
    from playwright.sync_api import sync_playwright

    root = Path(root).resolve()
    pages = sorted(p for p in root.rglob("*.html")
                   if "_static" not in p.parts and "_sources" not in p.parts and p.name not in SKIP_PAGES)
    if not pages:
        raise ValueError(f"expected a built site with HTML pages under {root}, found none")
    chromium = chromium or find_chromium()
    if chromium is None:
        raise ValueError("expected a Chromium browser on PATH (Debian: apt-get install chromium), found none")
    if screenshots is not None:
        screenshots = Path(screenshots)
        screenshots.mkdir(parents=True, exist_ok=True)
    server, base = serve(root)
    reports = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            for path in pages:
                relative = path.relative_to(root).as_posix()
                report = PageReport(relative, broken_links(root, path))
                redirect = REDIRECT.search(path.read_text(encoding="utf-8", errors="replace"))
                if redirect is None:
                    _check_page(context, base, relative, report, screenshots)
                elif not (path.parent / redirect.group(1)).exists():  # index.html only points elsewhere
                    report.problems.append(f"redirect to a missing page: {redirect.group(1)}")
                reports.append(report)
            if search_word and (root / "search.html").exists():
                reports.append(_check_search(context, base, search_word))
            browser.close()
    finally:
        server.shutdown()
    return reports


def _check_page(context, base: str, relative: str, report: PageReport, screenshots: Path | None) -> None:
    page = context.new_page()
    problems = report.problems

    def route(request_route) -> None:
        url = request_route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            problems.append(f"request leaving the machine (blocked): {url}")
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on("console", lambda m: problems.append(f"console error: {m.text}") if m.type == "error" else None)
    page.on("requestfailed", lambda r: None if urlsplit(r.url).hostname != "127.0.0.1"
            else problems.append(f"failed request: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(urljoin(base, relative), wait_until="load")
    found = page.evaluate(_RENDER_REPORT)
    raw = sorted(set(RAW_TEX.findall(found["text"])))
    if raw:
        problems.append(f"raw TeX left visible: {' '.join(raw)}")
    problems += [f"formula not typeset: {m!r}" for m in found["math"]]
    problems += [f"formula with a TeX error: {m!r}" for m in found["texErrors"]]
    problems += [f"Mermaid diagram not rendered: {m!r}" for m in found["mermaid"]]
    problems += [f"image not loaded: {src}" for src in found["images"]]
    if found["notebook"]:
        for button in ("colab", "binder", "download"):
            if not found[button]:
                problems.append(f"chapter without its {button} button")
    if screenshots is not None:
        name = relative.replace("/", "__").removesuffix(".html") + ".png"
        page.screenshot(path=str(screenshots / name), full_page=False)
    page.close()


def _check_search(context, base: str, word: str) -> PageReport:
    report = PageReport(f"search.html?q={word}")
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname == "127.0.0.1" else r.abort())
    page.goto(urljoin(base, f"search.html?q={word}"), wait_until="load")
    try:
        page.wait_for_selector("#search-results li, ul.search li", timeout=15000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: report it as a problem
        report.problems.append(f"the search page finds nothing for {word!r}")
    page.close()
    return report


def format_problems(reports: list[PageReport]) -> str:
    """The problems, grouped by page, one per line ('' when there are none)."""
    lines = []
    for report in reports:
        if report.problems:
            lines.append(f"{report.page}:")
            lines += [f"  - {p}" for p in dict.fromkeys(report.problems)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default="_build/html", help="the built site (default: _build/html)")
    parser.add_argument("--screenshots", default="_build/screenshots", help="folder for one PNG per page")
    args = parser.parse_args(argv)
    reports = check_site(args.site, args.screenshots)
    problems = format_problems(reports)
    print(f"checked {len(reports)} pages in Chromium; screenshots in {args.screenshots}")
    if problems:
        print(problems)
        return 1
    print("no problems found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
