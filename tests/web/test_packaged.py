"""The web inbox's templates and static files ship in the package; htmx is the pinned file."""

from __future__ import annotations

import hashlib
import tomllib
from fnmatch import fnmatch

from monitor.web.app import STATIC_DIR
from tests.conftest import REPO_ROOT

#: sha256 of dist/htmx.min.js in registry.npmjs.org/htmx.org/-/htmx.org-2.0.11.tgz
#: (tarball shasum a85363c4c5af94cd634df04c4b83d06dd0e91aa7).
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_every_template_and_static_file_is_package_data() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["monitor"]
    web = REPO_ROOT / "monitor" / "web"
    files = [p for folder in ("templates", "static") for p in (web / folder).rglob("*")]
    assert len(files) >= 9
    for path in files:
        if path.is_file():
            relative = path.relative_to(REPO_ROOT / "monitor").as_posix()
            # setuptools globs: "*" stays within a folder, "**/" crosses folders
            assert any(
                fnmatch(relative, p) and ("**" in p or p.count("/") == relative.count("/"))
                for p in patterns
            ), relative


def test_htmx_is_the_pinned_release() -> None:
    data = (STATIC_DIR / "htmx-2.0.11.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == HTMX_SHA256
    assert b'version:"2.0.11"' in data
