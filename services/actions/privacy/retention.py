"""What the actions service purges: the event ids applied by the tasks and by the backlog,
old quota counters, the backlog's daily negative counts (per touchpoint, and per term)
past what ``as_of`` may read, and survey invitations expired long ago.

Tasks, their audit trail, the decisions ledger and the backlog's items stay (the
closed-loop and committee reports read them); an erased customer's rows there are erased
or pseudonymised.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement

from services.actions.backlog.models import (
    backlog_negative_day,
    backlog_processed_event,
    backlog_term_day,
)
from services.actions.config import ActionsSettings
from services.actions.policy.models import policy_quota_usage
from services.actions.surveys.models import survey_invitation
from services.actions.tasks.models import task_inbox
from shared.retention import Purge


def _applied_before(cut_off: datetime) -> ColumnElement[bool]:
    return task_inbox.c.processed_at < cut_off


def _period_before(cut_off: datetime) -> ColumnElement[bool]:
    return policy_quota_usage.c.period_start < cut_off


def _backlog_applied_before(cut_off: datetime) -> ColumnElement[bool]:
    return backlog_processed_event.c.processed_at < cut_off


def _day_before(cut_off: datetime) -> ColumnElement[bool]:
    return backlog_negative_day.c.day < cut_off.date()  # the cut-off's UTC day is kept


def _term_day_before(cut_off: datetime) -> ColumnElement[bool]:
    return backlog_term_day.c.day < cut_off.date()


def _expired_before(cut_off: datetime) -> ColumnElement[bool]:
    return survey_invitation.c.expires_at < cut_off


def purges(settings: ActionsSettings) -> list[Purge]:
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
            "backlog_processed_event",
            backlog_processed_event,
            timedelta(days=settings.backlog_inbox_retention_days),
            _backlog_applied_before,
        ),
        Purge(
            "backlog_negative_day",
            backlog_negative_day,
            timedelta(days=settings.backlog_negative_retention_days),
            _day_before,
        ),
        Purge(
            "backlog_term_day",
            backlog_term_day,
            timedelta(days=settings.backlog_negative_retention_days),
            _term_day_before,
        ),
        Purge(
            "survey_invitation",
            survey_invitation,
            timedelta(days=settings.survey_invitation_retention_days),
            _expired_before,
        ),
    ]
