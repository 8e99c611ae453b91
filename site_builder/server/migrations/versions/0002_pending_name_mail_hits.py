"""A confirmed subscriber's new name waits for the confirmation (``pending_name``); the
mails sent to one address in a day are counted (``mail_hits``, by an HMAC of the address)."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("pending_name", sa.String(100), nullable=True))
    op.create_table(
        "mail_hits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recipient_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
    )
    op.create_index("mail_hits_recipient_at", "mail_hits", ["recipient_hash", "at"])


def downgrade() -> None:
    op.drop_table("mail_hits")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("pending_name")
