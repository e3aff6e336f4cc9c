"""The `Allow` header of a 405: every method the path answers, not just its first route's.

FastAPI raises the 405 from the first route whose path matches, so a path with GET and
DELETE routes said `Allow: GET` to a PUT. The methods come from the app's own OpenAPI
document (built once), which lists every operation of every path; a path it does not
document keeps the header its route gave.
"""

from __future__ import annotations

import re
from typing import Any

_PARAMETER = re.compile(r"\\\{[^/]+?\\\}")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _table(app: Any) -> list[tuple[re.Pattern[str], str]]:
    table = getattr(app.state, "allow_table", None)
    if table is None:
        table = []
        for template, operations in app.openapi().get("paths", {}).items():
            pattern = re.compile(_PARAMETER.sub("[^/]+", re.escape(template)))
            methods = sorted(method.upper() for method in operations if method in _METHODS)
            table.append((pattern, ", ".join(methods)))
        app.state.allow_table = table
    return table


def allowed_methods(app: Any, path: str) -> str | None:
    """`GET, DELETE`-style value for `path`, or None when the app does not document it."""
    for pattern, methods in _table(app):
        if pattern.fullmatch(path):
            return methods
    return None
