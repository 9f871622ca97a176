"""Fixtures and settings shared by every test: hypothesis profiles, Docker, Chromium.

Engine fixtures (``clock``, ``cluster``, ``control_plane``) live next to the tests that use them,
e.g. ``tests/engine/conftest.py``.

Hypothesis profiles, chosen by ``HYPOTHESIS_PROFILE`` (default ``ci`` when ``CI=true``, else ``dev``):

======= ============ ==========
profile max_examples deadline
======= ============ ==========
dev     200          default
ci      2,000        none
fuzz    10,000       none
======= ============ ==========

Missing infrastructure (a Docker engine, Chromium, Playwright) skips the tests that need it on a
learner's machine but **fails** them under ``CI=true``: CI installs all of it, so its absence there
is a broken environment, not a reason to go green.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, settings

IN_CI = os.environ.get("CI") == "true"
REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

settings.register_profile("dev", max_examples=200)
settings.register_profile(
    "ci", max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))


def unavailable(reason: str) -> NoReturn:
    """Skip on a learner's machine; fail under CI=true, where everything must be installed."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark nbval's notebook cells ``notebook`` and hypothesis tests ``fuzz``, so that
    ``-m notebook`` / ``-m fuzz`` select them without anyone remembering to mark them."""
    from hypothesis import is_hypothesis_test

    for item in items:
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.notebook)
        function = getattr(item, "function", None)
        if function is not None and is_hypothesis_test(function):
            item.add_marker(pytest.mark.fuzz)


@pytest.fixture
def docker_client() -> Iterator[Any]:
    """A ``docker.DockerClient`` for the local engine (API version negotiated, never pinned)."""
    try:
        import docker

        client = docker.from_env()
        client.ping()
    except Exception as exc:  # ImportError or docker.errors.DockerException
        unavailable(f"no Docker engine available: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's Chromium (``apt-get install chromium``), for Playwright's executable_path."""
    for candidate in (
        os.environ.get("ECSEDU_CHROMIUM"),
        *CHROMIUM_CANDIDATES,
        shutil.which("chromium"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    unavailable("Chromium is not installed (apt-get install chromium; scripts/setup does)")


@pytest.fixture(scope="session")
def missing_infrastructure() -> Callable[[str], NoReturn]:
    """``missing_infrastructure(reason)``: skip here, fail under CI=true (see the module docstring)."""
    return unavailable


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


@pytest.fixture
def browser_page(chromium: str) -> Iterator[Any]:
    """A Playwright page in Debian's Chromium (1280x900) that can reach only the loopback.

    Every request to another host is aborted, so a page that needs the internet fails visibly
    instead of hanging.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"Playwright is not installed (pip install -r requirements-dev.txt): {exc}")

    def loopback_only(route: Any) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", loopback_only)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
