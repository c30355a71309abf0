"""Debian's headless Chromium driven by Selenium through Debian's chromedriver (no browser download)."""

from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def skip_without_browser() -> None:
    """Skip the calling test when Chromium, chromedriver or Selenium is missing."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (CI: apt-get install -y chromium)")
    if not CHROMEDRIVER.exists():
        pytest.skip("needs /usr/bin/chromedriver (CI: apt-get install -y chromium-driver)")
    pytest.importorskip("selenium", reason="needs selenium (pip install -e '.[test]')")


@contextmanager
def browser(width: int = 1280, height: int = 900):
    """A fresh headless Chromium (its own profile) at ``width`` x ``height``; quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_window_size(width, height)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(probe, limit: float = 60.0, every: float = 0.25):
    """``probe()`` once it is truthy, else its last value after ``limit`` seconds (a bound, not a measure)."""
    deadline = time.monotonic() + limit
    value = probe()
    while not value and time.monotonic() < deadline:
        time.sleep(every)
        value = probe()
    return value
