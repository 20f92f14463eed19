"""The hosted survey page's rules: which page a link shows, and turning a posted form into a
``SurveyAnswered`` on Kafka.

An answer's event id is ``survey:<invitation id>``, so a double submit or a resubmission
counts once downstream (consumers apply each event id once). Nothing is said saved before
the broker acknowledged it, as for ``/v1/survey-responses``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from services.ingest.config import IngestSettings
from services.ingest.signals.redaction import Redactor
from services.ingest.survey.forms import Answers, FormSigner, read_answers
from services.ingest.survey.invitations import Invitation, InvitationLookup, LookupUnavailable
from services.ingest.survey.pages import LANGUAGES, Page, accepted_languages, choose
from services.ingest.survey.ratelimit import WindowLimiter
from shared.events.schemas import SurveyAnswered
from shared.events.values import VERBATIM_MAX_CHARS
from shared.kafka.producer import BrokerUnavailable, EventPublisher

# What secrets.token_urlsafe makes; anything else is not looked up at all.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
NOTICES = {"answered": ("answered.html", 409), "expired": ("expired.html", 410)}


class SurveyPages:
    def __init__(
        self,
        lookup: InvitationLookup,
        publisher: EventPublisher,
        settings: IngestSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._lookup = lookup
        self._publisher = publisher
        self._settings = settings
        self._clock = clock
        secret = settings.survey_form_secret.get_secret_value()
        self._signer = FormSigner(secret, settings.survey_form_max_age_seconds)
        self._redactor = Redactor(settings.verbatim_phone_regions)
        self._per_token = WindowLimiter(settings.survey_rate_per_token)
        self._per_address = WindowLimiter(settings.survey_rate_per_address)

    async def show(self, token: str, accept_language: str | None, address: str) -> Page:
        """The survey's form (marking the invitation opened), or the page saying why not."""
        found = await self._find(token, accept_language, address, mark_opened=True)
        if isinstance(found, Page):
            return found
        language = self._language(found, accept_language)
        return self._form(token, found, language, Answers(), 200)

    async def answer(
        self, token: str, form: Mapping[str, str], accept_language: str | None, address: str
    ) -> Page:
        """Thanks once the broker holds the answers; else the form again, answers kept, with
        what to fix (422), a stale or foreign form (400) or the broker down (503)."""
        found = await self._find(token, accept_language, address, mark_opened=False)
        if isinstance(found, Page):
            return found
        language = self._language(found, accept_language)
        answers = read_answers(found.survey, form)
        kept = {name: value for name, value in form.items() if name != "form_token"}
        if not self._signer.check(token, form.get("form_token", "")):
            return self._form(token, found, language, Answers(), 400, kept, "form_expired")
        if answers.errors:
            return self._form(token, found, language, answers, 422, kept)
        try:
            await self._publisher.publish(self._event(found, answers, language))
        except BrokerUnavailable:
            page = self._form(token, found, language, Answers(), 503, kept, "not_saved")
            page.headers["Retry-After"] = str(self._settings.retry_after_seconds)
            return page
        return Page("thanks.html", language, context=_asking(found))

    def unknown(self, accept_language: str | None) -> Page:
        """The page of a link that leads to no survey, in the reader's language."""
        return Page("unknown.html", self._fallback(accept_language), 404)

    def too_large(self, accept_language: str | None) -> Page:
        return Page("too_large.html", self._fallback(accept_language), 413)

    async def _find(
        self, token: str, accept_language: str | None, address: str, *, mark_opened: bool
    ) -> Invitation | Page:
        language = self._fallback(accept_language)
        if not (self._per_address.allow(address) and self._per_token.allow(token)):
            retry = max(self._per_address.retry_after(), self._per_token.retry_after())
            return Page("too_many.html", language, 429, headers={"Retry-After": str(retry)})
        if not TOKEN.match(token):
            return Page("unknown.html", language, 404)
        try:
            invitation = await self._lookup.find(token, mark_opened=mark_opened)
        except LookupUnavailable:
            wait = str(self._settings.retry_after_seconds)
            return Page("unavailable.html", language, 503, headers={"Retry-After": wait})
        if invitation is None:
            return Page("unknown.html", language, 404)
        if invitation.status in NOTICES:
            template, status = NOTICES[invitation.status]
            language = self._language(invitation, accept_language)
            return Page(template, language, status, _asking(invitation))
        return invitation

    def _form(
        self,
        token: str,
        invitation: Invitation,
        language: str,
        answers: Answers,
        status: int,
        values: Mapping[str, str] | None = None,
        notice: str | None = None,
    ) -> Page:
        context: dict[str, Any] = {
            "action": f"/s/{token}",
            "form_token": self._signer.sign(token),
            "title": _title(invitation, language),
            "questions": invitation.survey.questions,
            "values": dict(values or {}),
            "errors": answers.errors,
            "notice": notice,
            **_asking(invitation),
        }
        return Page("survey.html", language, status, context)

    def _event(self, invitation: Invitation, answers: Answers, language: str) -> SurveyAnswered:
        now = self._clock()
        values = dict(answers.values)
        if verbatim := values.get("verbatim"):
            # a placeholder may be longer than what it replaces: keep within the field's bound
            redacted = self._redactor.redact(verbatim, language)
            values["verbatim"] = redacted[:VERBATIM_MAX_CHARS]
        return SurveyAnswered.model_validate(
            {
                **values,
                "event_id": f"survey:{invitation.invitation_id}",
                "invitation_id": invitation.invitation_id,
                "customer_id": invitation.customer_id,
                "relationship": invitation.touchpoint is None,
                "touchpoint": invitation.touchpoint,
                "interaction_event_id": invitation.interaction_event_id,
                "answered_at": now,
                "received_at": now,
                "language": language,
            }
        )

    def _language(self, invitation: Invitation, accept_language: str | None) -> str:
        survey = invitation.survey
        preferences = [invitation.locale, *accepted_languages(accept_language)]
        return choose(preferences, survey.languages, survey.default_language)

    def _fallback(self, accept_language: str | None) -> str:
        preferences = accepted_languages(accept_language)
        return choose(preferences, LANGUAGES, self._settings.survey_default_language)


def _title(invitation: Invitation, language: str) -> str | None:
    """What the survey is about, in ``language`` (none from a version without titles)."""
    titles = invitation.survey.title
    return titles.get(language) if titles else None


def _asking(invitation: Invitation) -> dict[str, str]:
    """Who asks, as the survey's journey map names it: the pages' ``organisation`` instead of
    the setting's (an invitation of a map that names none keeps the setting's)."""
    organisation = invitation.survey.organisation
    return {"organisation": organisation} if organisation else {}
