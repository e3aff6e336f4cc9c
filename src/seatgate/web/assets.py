"""The pages' files, read once, and the version that names them in URLs.

Assets are served under /assets/<version>/, where the version is a hash of every asset's
content: a browser may cache them for a year, and a new release is a new URL. ES modules
import each other by relative path, so they inherit the versioned prefix.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

PAGES = ("index.html", "ops.html")
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes  # compressed once here, so no request pays for it (46 KB -> 19 KB)
    media_type: str


@dataclass(frozen=True)
class Bundle:
    version: str
    assets: dict[str, Asset]
    pages: dict[str, str]

    def page(self, name: str, *, profile: str) -> str:
        return self.pages[name].replace("{{version}}", self.version).replace("{{profile}}", profile)


@cache
def bundle() -> Bundle:
    root = resources.files("seatgate.web") / "static"
    assets: dict[str, Asset] = {}
    pages: dict[str, str] = {}
    digest = hashlib.sha256()
    for entry in sorted(root.iterdir(), key=lambda item: item.name):
        if entry.name in PAGES:
            pages[entry.name] = entry.read_text(encoding="utf-8")
            continue
        suffix = entry.name[entry.name.rfind(".") :]
        if suffix not in TYPES:
            continue
        body = entry.read_bytes()
        digest.update(entry.name.encode() + b"\0" + body)
        assets[entry.name] = Asset(body, gzip.compress(body, mtime=0), TYPES[suffix])
    return Bundle(digest.hexdigest()[:12], assets, pages)
