"""The data folder and its SQLite file: where it is, and opening it safely (owner-only).

``cache.sqlite3`` under ``ERBIUM_ZOOM_DATA_DIR`` (else platformdirs' user data folder) holds the
report cache (:mod:`erbium_zoom.store`) and the activity record (:mod:`erbium_zoom.activity`).
Kept apart from both so that either can find the file without importing the other. No streamlit.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "ERBIUM_ZOOM_DATA_DIR"
FILE_NAME = "cache.sqlite3"
BUSY_TIMEOUT = 10.0  # seconds to wait for another writer (another session or process)


class StoreUnavailable(Exception):
    """The cache file cannot be used; the message says why and what to do."""


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the cache file lives: ERBIUM_ZOOM_DATA_DIR, else the user's data folder."""
    env = os.environ if environ is None else environ
    folder = (env.get(DATA_DIR_ENV) or "").strip()
    base = Path(folder).expanduser() if folder else platformdirs.user_data_path("erbium-zoom")
    return base / FILE_NAME


def owner_only_file(path: Path) -> None:
    """Create the folder (0700) and the file (0600) if missing; refuse what is not ours."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o600)
    try:
        info = os.fstat(descriptor)
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise StoreUnavailable(
                f"The data file {path} belongs to another user, so it is not used. "
                f"Set {DATA_DIR_ENV} to a folder of your own."
            )
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.fchmod(descriptor, 0o600)  # readable by its owner alone, whoever made it
    finally:
        os.close(descriptor)
