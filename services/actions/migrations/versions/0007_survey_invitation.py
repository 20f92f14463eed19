"""hosted survey invitations (only the token's SHA-256 is stored)

Revision ID: 0007_survey_invitation
Revises: 0006_task_source
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_survey_invitation"
down_revision = "0006_task_source"
branch_labels = None
depends_on = None

SCHEMA = "actions"


def upgrade() -> None:
    op.create_table(
        "survey_invitation",
        sa.Column("invitation_id", sa.String(64), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("decision_id", sa.String(64), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("touchpoint", sa.String(64)),
        sa.Column("interaction_event_id", sa.String(128)),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("locale", sa.String(35)),
        sa.Column("persona", sa.String(64)),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True)),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.create_index(
        "survey_invitation_customer",
        "survey_invitation",
        ["customer_id", "created_at"],
        schema=SCHEMA,
    )
    op.create_index(
        "survey_invitation_expires", "survey_invitation", ["expires_at"], schema=SCHEMA
    )
    op.create_index(
        "survey_invitation_unpublished",
        "survey_invitation",
        ["created_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("reason = 'relationship' AND published_at IS NULL"),
    )
    op.create_index(
        "policy_decision_relationship",
        "policy_decision",
        ["customer_id", "at"],
        schema=SCHEMA,
        postgresql_where=sa.text("touchpoint = 'relationship'"),
    )


def downgrade() -> None:
    op.drop_index("policy_decision_relationship", "policy_decision", schema=SCHEMA)
    op.drop_table("survey_invitation", schema=SCHEMA)
