"""The first versioned layout: activity, reports, heavy_calls, profiles, client_secrets.

A data folder made before the schema was versioned already has ``activity``, ``reports`` and
``heavy_calls`` in this very layout: those are kept as they are (with their rows), and only the
missing tables are created.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "activity" not in existing:
        op.create_table(
            "activity",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("at", sa.Text, nullable=False),
            sa.Column("who", sa.Text, nullable=False),
            sa.Column("client", sa.Text, nullable=False),
            sa.Column("account_id", sa.Text, nullable=False),
            sa.Column("action", sa.Text, nullable=False),
            sa.Column("event_id", sa.Text, nullable=False),
            sa.Column("count", sa.Integer, nullable=False),
            sa.Column("registrant_ids", sa.Text, nullable=False),
            sa.Column("status", sa.Text, nullable=False),
            sa.Column("message", sa.Text, nullable=False),
            sqlite_autoincrement=True,
        )
        op.create_index("activity_at", "activity", ["at"])
    if "reports" not in existing:
        op.create_table(
            "reports",
            sa.Column("account", sa.String(400), primary_key=True),
            sa.Column("kind", sa.String(20), primary_key=True),
            sa.Column("report_id", sa.String(200), primary_key=True),
            sa.Column("version", sa.Integer, primary_key=True),
            sa.Column("saved_at", sa.Text, nullable=False),
            sa.Column("payload", sa.LargeBinary, nullable=False),
        )
    if "heavy_calls" not in existing:
        op.create_table(
            "heavy_calls",
            sa.Column("account", sa.String(400), primary_key=True),
            sa.Column("day", sa.String(10), primary_key=True),
            sa.Column("calls", sa.Integer, nullable=False),
        )
    op.create_table(
        "profiles",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("client_id", sa.Text, nullable=False),
        sa.Column("hosts", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "client_secrets",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("token", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("client_secrets", "profiles", "heavy_calls", "reports", "activity"):
        op.drop_table(table)
