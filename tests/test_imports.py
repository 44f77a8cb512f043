"""Every module of the package imports on its own, first, in a fresh interpreter.

An import cycle only shows when a module of the cycle is the first one imported (the dashboard
starts from ui.py, the command line from __main__.py, a test from anywhere), so each module
gets its own process.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(
    "erbium_zoom." + ".".join(path.relative_to(ROOT / "erbium_zoom").with_suffix("").parts)
    for path in (ROOT / "erbium_zoom").rglob("*.py")
    if path.name != "__init__.py" or path.parent != ROOT / "erbium_zoom"
    # Alembic's scripts are run by Alembic (storage upgrades), not imported.
    if not path.is_relative_to(ROOT / "erbium_zoom" / "storage" / "migrations")
)


def import_alone(module: str) -> tuple[str, int, str]:
    name = module.removesuffix(".__init__")
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return name, done.returncode, done.stderr.strip().splitlines()[-1:]


def test_every_module_imports_first_in_a_fresh_interpreter():
    assert len(MODULES) > 30
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(import_alone, MODULES))
    failed = {name: error for name, code, error in results if code != 0}
    assert failed == {}
