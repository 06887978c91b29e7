"""Plain-text and HTML rendering of the analysis tables (private)."""
from __future__ import annotations

import html
from collections.abc import Sequence


def format_count(value: int | None) -> str:
    """``1234567`` -> ``"1,234,567"``; ``None`` (unknown) -> ``"?"``."""
    return "?" if value is None else f"{value:,}"


def format_short(value: int) -> str:
    """``15470264320`` -> ``"15.47 G"``: three significant figures with an SI prefix."""
    for factor, prefix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.2f} {prefix}"
    return str(value)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
               footer: Sequence[str] = ()) -> str:
    """A fixed-width table: text columns left-aligned, numeric ones right-aligned."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w)
                         for c, w, num in zip(cells, widths, numeric)).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    parts = [line(headers), rule, *(line(r) for r in rows), rule, *footer]
    return "\n".join(parts)


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
               footer: Sequence[str] = ()) -> str:
    """The same table as HTML, for notebooks (every cell escaped)."""
    def cell(tag: str, text: str, num: bool) -> str:
        style = ' style="text-align:right"' if num else ' style="text-align:left"'
        return f"<{tag}{style}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", h, n) for h, n in zip(headers, numeric))
    body = "".join("<tr>" + "".join(cell("td", c, n) for c, n in zip(r, numeric)) + "</tr>" for r in rows)
    foot = "".join(f"<p>{html.escape(f)}</p>" for f in footer)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{foot}"
