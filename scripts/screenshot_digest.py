"""Render a digest to HTML and screenshot it with headless Chromium (for the README).

Usage:
    .venv/bin/python scripts/screenshot_digest.py [--json DIGEST.json] [--out FILE.png]

Without ``--json`` a realistic synthetic digest is used (``monitor.report.sample``);
``--dump-json FILE`` writes that sample as JSON, a starting point for hand edits.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from monitor.report.files import write_digest_files
from monitor.report.sample import sample_digest
from monitor.report.serialize import digest_from_dict, digest_to_dict

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def screenshot(html: Path, out: Path, *, chromium: str, width: int, height: int) -> None:
    """Run headless Chromium on a local HTML file and save a PNG screenshot."""
    with tempfile.TemporaryDirectory(prefix="digest-chromium-") as profile:
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={out.resolve()}",
            f"--window-size={width},{height}",
            html.resolve().as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    if result.returncode != 0 or not out.exists():
        raise SystemExit(f"chromium failed (exit {result.returncode}):\n{result.stderr[-2000:]}")


def trim_bottom(png: Path, margin: int = 16) -> None:
    """Cut the empty page background below the digest so the image ends with the content."""
    with Image.open(png) as image:
        pixels = np.asarray(image.convert("RGB"))
    background = pixels[-1, 0]
    rows = np.where((pixels != background).any(axis=(1, 2)))[0]
    if rows.size == 0:
        return
    bottom = min(pixels.shape[0], int(rows[-1]) + 1 + margin)
    Image.fromarray(pixels[:bottom]).save(png, optimize=True)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, render, screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="digest data as JSON (default: built-in sample)")
    parser.add_argument("--out", type=Path, default=Path("docs/digest-example.png"))
    parser.add_argument("--html-dir", type=Path, help="keep the rendered HTML here")
    parser.add_argument("--dump-json", type=Path, help="write the digest data used as JSON")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--width", type=int, default=900)
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("--no-trim", action="store_true", help="keep the full window height")
    args = parser.parse_args(argv)

    if args.json:
        digest = digest_from_dict(json.loads(args.json.read_text(encoding="utf-8")))
    else:
        digest = sample_digest()
    if args.dump_json:
        args.dump_json.write_text(
            json.dumps(digest_to_dict(digest), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    if not Path(args.chromium).exists():
        print(
            f"chromium not found at {args.chromium}; apt-get install -y chromium", file=sys.stderr
        )
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="digest-html-") as tmp:
        files = write_digest_files(digest, args.html_dir or Path(tmp))
        screenshot(
            files.html, args.out, chromium=args.chromium, width=args.width, height=args.height
        )
    if not args.no_trim:
        trim_bottom(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
