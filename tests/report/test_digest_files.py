"""Digest files on disk: browser HTML with its PNGs, text and .eml."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from monitor.report.files import file_stem, write_digest_files
from monitor.report.mail import build_email
from monitor.report.model import DigestData
from monitor.report.sample import sample_digest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_files_written_and_html_images_resolve(
    tmp_path: Path, hostile: DigestData, html_parser: Callable[[str], Any]
) -> None:
    files = write_digest_files(hostile, tmp_path / "digests")
    assert files.html.name == "acme-mobile-742a74c4-2024-05-14.html"
    for path in files.all():
        assert path.is_file() and path.stat().st_size > 0
    html = files.html.read_text(encoding="utf-8")
    srcs = html_parser(html).attrs("img", "src")
    assert len(srcs) == 3
    for src in srcs:
        assert src is not None and "/" not in src  # relative, next to the HTML
        assert (files.html.parent / src).read_bytes()[:8] == PNG_SIGNATURE
    assert "<script>" not in html
    assert "Key figures" in files.text.read_text(encoding="utf-8")
    eml = message_from_bytes(files.eml.read_bytes(), policy=policy.default)
    assert eml.get_content_type() == "multipart/alternative"
    assert list(tmp_path.glob("digests/.*.tmp")) == []  # no leftovers from atomic writes


def test_sent_message_is_saved_as_eml(tmp_path: Path) -> None:
    digest = sample_digest()
    msg = build_email(digest, sender="m@acme.example", recipients=["care@acme.example"])
    files = write_digest_files(digest, tmp_path, message=msg)
    eml = message_from_bytes(files.eml.read_bytes(), policy=policy.default)
    assert eml["Message-ID"] == msg["Message-ID"]
    assert eml["To"] == "care@acme.example"


def test_rewrite_same_day_replaces(tmp_path: Path) -> None:
    first = write_digest_files(sample_digest(), tmp_path)
    second = write_digest_files(sample_digest(), tmp_path)
    assert first == second
    assert len(list(tmp_path.iterdir())) == 6  # html, txt, eml, 3 charts


def test_file_stem_is_safe() -> None:
    digest = replace(sample_digest(), brand="../Café <Ünïcode>/x")
    assert file_stem(digest) == "cafe-unicode-x-0157d222-2024-05-14"
    assert file_stem(replace(digest, brand="日本")) == "brand-cf2abf0c-2024-05-14"


def test_brands_that_slug_alike_get_their_own_files(tmp_path: Path) -> None:
    """Issue 9: 日本航空 and 全日空 (both "brand"), Acme Inc and Acme-Inc once shared files."""
    brands = ["日本航空", "全日空", "Acme Inc", "Acme-Inc", "acme inc", "ACME INC"]
    written = {b: write_digest_files(replace(sample_digest(), brand=b), tmp_path) for b in brands}
    stems = {b: file_stem(replace(sample_digest(), brand=b)) for b in brands}
    assert len(set(stems.values())) == len(brands), stems
    assert stems["日本航空"].startswith("brand-") and stems["Acme Inc"].startswith("acme-inc-")
    for brand, files in written.items():  # each brand's file still holds its own digest
        assert brand in files.text.read_text(encoding="utf-8").splitlines()[0]
    assert len(list(tmp_path.glob("*.html"))) == len(brands)
