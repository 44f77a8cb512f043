"""erbium-zoom's storage: every piece of state kept between runs, in one place.

- :mod:`.schema`: the tables (activity record, report cache, Heavy counts, profiles, encrypted
  Client Secrets) as one SQLAlchemy Core ``MetaData``;
- :mod:`.database`: which database (the data folder's SQLite file by default, PostgreSQL with
  ``[storage] url`` or ``ERBIUM_ZOOM_DATABASE_URL``), opening it, versioned upgrades (Alembic,
  ``migrations/``), faults in words with the password masked;
- :mod:`.secrets`: Client Secrets as Fernet tokens in the ``client_secrets`` table;
- :mod:`.copying`: ``python -m erbium_zoom storage copy --to URL`` (data folder into a database)
  and ``storage upgrade``.

:mod:`erbium_zoom.activity`, :mod:`erbium_zoom.store` and :mod:`erbium_zoom.profiles` read and
write through :class:`Database`. No streamlit.
"""

from erbium_zoom.storage.database import (
    DATABASE_URL_ENV,
    URL_SETTING,
    Database,
    configure,
    configured,
    configured_url,
    current,
    forget,
    mask,
    open_url,
    sqlite_file,
)

__all__ = [
    "DATABASE_URL_ENV",
    "URL_SETTING",
    "Database",
    "configure",
    "configured",
    "configured_url",
    "current",
    "forget",
    "mask",
    "open_url",
    "sqlite_file",
]
