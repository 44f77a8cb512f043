"""The watcher's tables: each client's counted connection state, every check, the watcher's
runs, and its notifications (kept until sent, never twice).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_clients",
        sa.Column("client", sa.String(200), primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("since", sa.Text, nullable=False),
        sa.Column("last_check", sa.Text, nullable=False),
        sa.Column("observed", sa.Text, nullable=False),
        sa.Column("observed_details", sa.Text, nullable=False),
        sa.Column("observed_since", sa.Text, nullable=False),
        sa.Column("observed_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "watch_checks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("checked_at", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("counted", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("watch_checks_client_at", "watch_checks", ["client", "checked_at"])
    op.create_table(
        "watch_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("finished_at", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("clients", sa.Integer, nullable=False),
        sa.Column("problems", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(400), nullable=False, unique=True),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("shown", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_attempt", sa.Text, nullable=False),
        sa.Column("sent_at", sa.Text, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("notifications_status", "notifications", ["status"])


def downgrade() -> None:
    for table in ("notifications", "watch_runs", "watch_checks", "watch_clients"):
        op.drop_table(table)
