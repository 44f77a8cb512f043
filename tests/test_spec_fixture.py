"""The tests that need Zoom's OpenAPI spec (``../shared/zoom-openapi``) skip with the reason
printed on a clone without it, and fail in CI, which must run them (tests/conftest.py's
``zoom_openapi_spec``). Checked by running pytest on one such test in a subprocess, with
``ERBIUM_ZOOM_SHARED`` pointing at an empty folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NEEDS_SPEC = "tests/test_scopes.py::test_scope_without_endpoint_is_absent_from_spec"


def run_pytest(shared: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env["ERBIUM_ZOOM_SHARED"] = str(shared)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", NEEDS_SPEC, "-p", "no:cacheprovider", "-ra"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def empty_shared(tmp_path) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    return folder


def test_without_the_spec_the_tests_skip_and_say_why(empty_shared):
    run = run_pytest(empty_shared, ci=None)
    assert run.returncode == 0, run.stdout + run.stderr
    spec = empty_shared / "zoom-openapi" / "zoom-meetings-api.openapi.json"
    summary = run.stdout[run.stdout.index("short test summary info") :]
    assert "SKIPPED [1] tests/test_scopes.py" in summary  # -ra (pyproject) prints the reason
    assert f"Zoom's OpenAPI spec not found at {spec} (set ERBIUM_ZOOM_SHARED)" in summary
    assert "1 skipped" in run.stdout


def test_without_the_spec_ci_fails(empty_shared):
    run = run_pytest(empty_shared, ci="true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "CI must run the conformance tests" in run.stdout
    # The fixture fails, so pytest counts the test as an error (exit code 1, as for a failure).
    assert "1 error in" in run.stdout and "SKIPPED" not in run.stdout
