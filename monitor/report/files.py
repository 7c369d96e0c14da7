"""Write a digest to disk (HTML + PNGs for a browser, .txt, .eml) so it is never lost."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

from monitor.report.charts import render_charts
from monitor.report.html import render_html
from monitor.report.mail import build_email
from monitor.report.model import DigestData
from monitor.report.text import render_text

#: Addresses used for the .eml when no real message is passed in.
PLACEHOLDER_SENDER = "social-monitor@localhost"
PLACEHOLDER_RECIPIENT = "digest@localhost"
#: Hex digits of the brand-name hash in file names (32 bits: no clash among thousands).
_HASH_CHARS = 8


@dataclass(frozen=True, slots=True)
class DigestFiles:
    """Paths of one written digest."""

    html: Path
    text: Path
    eml: Path
    images: dict[str, Path]

    def all(self) -> list[Path]:
        """Every written path, HTML first."""
        return [self.html, self.text, self.eml, *self.images.values()]


def file_stem(digest: DigestData) -> str:
    """``<brand-slug>-<hash>-<YYYY-MM-DD>``: safe on every file system, unique per brand and day."""
    folded = unicodedata.normalize("NFKD", digest.brand).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-") or "brand"
    # The slug alone folds different brands together ("日本航空" and "全日空" are both
    # "brand"; "Acme Inc" and "Acme-Inc" both "acme-inc"): a hash of the exact name splits them.
    exact = digest.brand.encode("utf-8", "surrogatepass")
    return f"{slug[:60]}-{hashlib.sha256(exact).hexdigest()[:_HASH_CHARS]}-{digest.day.isoformat()}"


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a crash never leaves a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_digest_files(
    digest: DigestData,
    out_dir: str | os.PathLike[str],
    *,
    message: EmailMessage | None = None,
    charts: Mapping[str, bytes] | None = None,
) -> DigestFiles:
    """Write ``<stem>.html`` (charts as ``<stem>-<chart>.png`` next to it), ``.txt`` and ``.eml``.

    ``message`` is the e-mail actually sent (saved as the .eml); without one a message with
    placeholder addresses is built. Existing files of the same brand and day are replaced.
    """
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    stem = file_stem(digest)
    images = render_charts(digest.history) if charts is None else dict(charts)
    image_paths = {name: directory / f"{stem}-{name}.png" for name in images}
    for name, png in images.items():
        _write_atomic(image_paths[name], png)
    html_path = directory / f"{stem}.html"
    html = render_html(digest, {name: path.name for name, path in image_paths.items()})
    _write_atomic(html_path, html.encode("utf-8"))
    text_path = directory / f"{stem}.txt"
    _write_atomic(text_path, render_text(digest).encode("utf-8"))
    if message is None:
        message = build_email(
            digest, sender=PLACEHOLDER_SENDER, recipients=[PLACEHOLDER_RECIPIENT], charts=images
        )
    eml_path = directory / f"{stem}.eml"
    _write_atomic(eml_path, message.as_bytes(policy=policy.SMTP))
    return DigestFiles(html=html_path, text=text_path, eml=eml_path, images=image_paths)
