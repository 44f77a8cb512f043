"""Alembic's environment for erbium-zoom's storage: run from the package, never from a file.

:func:`erbium_zoom.storage.database.Database.upgrade` hands over an open connection in
``config.attributes["connection"]``; there is no alembic.ini and no logging set-up here (the
application's logging stays as it is).
"""

from __future__ import annotations

from alembic import context

from erbium_zoom.storage.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying the table
)
with context.begin_transaction():
    context.run_migrations()
