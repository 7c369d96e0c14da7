"""The Docker build context holds only what the Dockerfile copies, and torch is the CPU build."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT


def test_dockerignore_keeps_out_everything_the_image_does_not_copy() -> None:
    rules = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*"  # deny by default: .venv, digests/, monitor.db, .git stay out
    allowed = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    dockerfile = (REPO_ROOT / "Dockerfile").read_text("utf-8")
    copied = {
        path.rstrip("/")
        for line in re.findall(r"^COPY (.+)$", dockerfile, re.M)
        for path in line.split()[:-1]
    }
    assert copied == allowed, (copied, allowed)


def test_the_image_installs_the_cpu_torch_pinned_in_pyproject() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text("utf-8")
    pin = re.search(r'"(torch==[^"]+)"', (REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    assert pin is not None
    cpu = f"pip install --index-url https://download.pytorch.org/whl/cpu {pin.group(1)}"
    assert cpu in dockerfile
    assert dockerfile.index(cpu) < dockerfile.index("pip install .")  # before, so no CUDA build
