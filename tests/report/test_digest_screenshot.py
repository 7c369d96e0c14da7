"""The README screenshot script renders a digest with headless Chromium (skipped without it)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshot_digest.py"


@pytest.mark.slow
def test_screenshot_of_sample_digest(tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    out = tmp_path / "digest.png"
    data = tmp_path / "digest.json"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), "--dump-json", str(data)],
        check=True,
        cwd=SCRIPT.parents[1],
        capture_output=True,
        timeout=240,
    )
    png = out.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == 900
    assert 1000 < height < 2400  # trimmed to the content, which is taller than one screen
    # The dumped JSON renders again the same way.
    again = tmp_path / "again.png"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--json", str(data), "--out", str(again)],
        check=True,
        cwd=SCRIPT.parents[1],
        capture_output=True,
        timeout=240,
    )
    assert again.stat().st_size > 100_000
