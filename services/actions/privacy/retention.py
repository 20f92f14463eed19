"""What the actions service purges: applied alert ids of the tasks, old quota counters,
survey invitations expired long ago.

Tasks, their audit trail, the decisions ledger and the backlog stay (the closed-loop and
committee reports read them); an erased customer's rows there are erased or pseudonymised.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement

from services.actions.policy.models import policy_quota_usage
from services.actions.privacy.config import PrivacySettings
from services.actions.surveys.models import survey_invitation
from services.actions.tasks.models import task_inbox
from shared.retention import Purge


def _applied_before(cut_off: datetime) -> ColumnElement[bool]:
    return task_inbox.c.processed_at < cut_off


def _period_before(cut_off: datetime) -> ColumnElement[bool]:
    return policy_quota_usage.c.period_start < cut_off


def _expired_before(cut_off: datetime) -> ColumnElement[bool]:
    return survey_invitation.c.expires_at < cut_off


def purges(settings: PrivacySettings) -> list[Purge]:
    return [
        Purge(
            "task_inbox",
            task_inbox,
            timedelta(days=settings.task_inbox_retention_days),
            _applied_before,
        ),
        Purge(
            "policy_quota_usage",
            policy_quota_usage,
            timedelta(days=settings.policy_quota_retention_days),
            _period_before,
        ),
        Purge(
            "survey_invitation",
            survey_invitation,
            timedelta(days=settings.survey_invitation_retention_days),
            _expired_before,
        ),
    ]
