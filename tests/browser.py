"""Headless Chromium for the inspector's tests: Debian's ``chromium`` and ``chromium-driver``
driven by selenium, with nothing downloaded at run time (the driver's path is given, so
Selenium Manager never runs)."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, Callable

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,900", "--force-device-scale-factor=1", "--lang=en-US",
)
INSTALL = "apt-get install chromium chromium-driver (.ci/run does it where apt works)"


def missing() -> str | None:
    """Why no browser test can run here, or None."""
    problems = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        problems.append("the selenium package (pip install '.[test]')")
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        problems.append("Debian's chromium")
    if not shutil.which("chromedriver"):
        problems.append("Debian's chromium-driver")
    return f"needs {', '.join(problems)}: {INSTALL}" if problems else None


def start(user_data_dir: str | None = None) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir or tempfile.mkdtemp(prefix='mockserver-chromium-')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or ""), options=options)
    driver.set_script_timeout(20)
    return driver


def wait(driver: Any, condition: Callable[[Any], Any], what: str, timeout: float = 15.0) -> Any:
    """Poll ``condition(driver)`` until it is truthy (selenium's WebDriverWait, not a sleep)."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition, f"timed out waiting for {what}")


def required() -> bool:
    """Set by .ci/run once it installed the browser: then a missing browser fails instead of skipping."""
    return os.environ.get("MOCKSERVER_BROWSER_REQUIRED", "") not in ("", "0")
