"""Two small fixes to the built pages, found by the browser test (tools/site_check.py).

- sphinx-thebe adds its inline configuration script twice when Jupyter Book reads
  the sources, and the second copy throws "Identifier 'THEBE_JS_URL' has already
  been declared" on every page: keep one copy of each identical script.
- The theme's colour mode is empty unless ``default_mode`` is set, and the theme
  then logs an error on every page: default to following the reader's system
  setting ("auto").

Both are done in one handler of the ``html-page-context`` event.

It also makes the student edition (``tools/student_edition.py``): with
``cnnbook_student_edition`` set, every worked solution is removed from the
pages. sphinx-exercise's own ``hide_solutions`` drops a gated solution's
``{solution-start}`` but leaves its content and its ``{solution-end}``, which
then breaks the build, so the removal happens here instead, after
sphinx-exercise has merged each gated solution into one node.
"""
from __future__ import annotations

from sphinx.transforms import SphinxTransform


def _fix_page(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (script.filename or None, repr(sorted(script.attributes.items())))  # '' and None: both inline
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: extensions later in this event append to the same list
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


class _RemoveSolutions(SphinxTransform):
    """Remove every solution node (gated ones are merged into one node at priority 10)."""

    default_priority = 20

    def apply(self) -> None:
        if not self.config.cnnbook_student_edition:
            return
        from sphinx_exercise.nodes import solution_node

        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)


def setup(app):
    app.add_config_value("cnnbook_student_edition", False, "env")
    app.add_transform(_RemoveSolutions)
    # Early (priority < 500): Sphinx stops calling handlers at the first that returns a template.
    app.connect("html-page-context", _fix_page, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
