"""Headless Chromium for page tests: Debian's `chromium`, which `make install` installs.

The flags keep it off the network and out of the machine's state: no background services, no sync,
no QUIC, no first-run work, a fresh profile per run. Root needs --no-sandbox.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)


def run(page: Path, *options: str, size: tuple[int, int] = (1100, 1600)) -> subprocess.CompletedProcess[str]:
    """Open `page` (a file) with extra options; stderr carries the page's console messages."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make install` installs Debian's chromium"
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}", *options]
        result = subprocess.run([*command, page.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def dump_dom(page: Path) -> str:
    """The DOM after the page loaded and its scripts ran, serialised."""
    return run(page, "--dump-dom").stdout


def screenshot(page: Path, out: Path, size: tuple[int, int]) -> subprocess.CompletedProcess[str]:
    """A PNG of the page's first `size` pixels (width, height)."""
    return run(page, f"--screenshot={out}", size=size)
