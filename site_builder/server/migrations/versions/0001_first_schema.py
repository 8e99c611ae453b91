"""The first schema: subscribers, suppressions, consultations, rate hits, key fingerprints."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("token_expires", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("changed_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "suppressions",
        sa.Column("address_hash", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("organization", sa.String(400), nullable=False),
        sa.Column("person", sa.String(400), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(120), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("preferred", sa.String(800), nullable=False),
        sa.Column("wards", sa.String(400), nullable=False),
        sa.Column("staff_notified", sa.Boolean, nullable=False),
        sa.Column("exported_to", sa.String(200), nullable=True),
    )
    op.create_table(
        "rate_hits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
    )
    op.create_index("rate_hits_client_at", "rate_hits", ["client_hash", "at"])
    op.create_table(
        "server_keys",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in ("server_keys", "rate_hits", "consultations", "suppressions", "subscribers"):
        op.drop_table(table)
