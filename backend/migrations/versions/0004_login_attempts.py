"""login attempts: failed sign-ins kept for the brute-force throttle

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import backend.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('client_ip', sa.String(length=64), nullable=True),
    sa.Column('failed_at', backend.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_email_failed_at', ['email', 'failed_at'], unique=False)
        batch_op.create_index('ix_login_attempts_client_ip_failed_at', ['client_ip', 'failed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_client_ip_failed_at')
        batch_op.drop_index('ix_login_attempts_email_failed_at')

    op.drop_table('login_attempts')
