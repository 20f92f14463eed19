"""Turning what the website and call centre post into events on Kafka.

An item is *accepted* only once the broker has acknowledged it (acks=all); anything less is
reported as failed and may be sent again. Redelivery is harmless: consumers apply each
event id once (see ``shared.db.inbox``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from services.ingest.config import IngestSettings
from services.ingest.signals.batch import Item, Signal
from services.ingest.signals.redaction import Redactor
from services.ingest.signals.schemas import Accepted, BatchResult, FailedItem, RejectedItem
from shared.events.schemas import (
    CustomerProfileUpdated,
    Event,
    InteractionFields,
    InteractionRecorded,
    SurveyAnswered,
    SurveyResponseFields,
)
from shared.kafka.producer import BrokerUnavailable, EventPublisher
from shared.problems import FieldError, Param, ProblemError, field_error

Clock = Callable[[], datetime]
# From this many valid items a batch goes to the producer as one batch per partition
# (aiokafka's batch API: a fraction of the CPU of a send per record); fewer are sent record
# by record, so that the producer merges them with other requests' records rather than
# queueing a small batch behind each one still pending on its partition.
AS_BATCHES_FROM = 200
# The code of an item that repeats an earlier item's event_id with other content.
REPEATED = "duplicate_event_id"


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_event(signal: Signal, received_at: datetime, redactor: Redactor) -> Event:
    """Wrap an already validated signal in its event, stamped with the reception time, its
    verbatim redacted. The signal's values are valid, so the event is built without
    validating them again (``Event.trusted``)."""
    fields = dict(signal.__dict__)  # the model's fields, nothing else (extra="forbid")
    fields.pop("type", None)  # a batch item's
    fields["received_at"] = received_at
    if isinstance(signal, InteractionFields):
        return InteractionRecorded.trusted(fields)
    if isinstance(signal, SurveyResponseFields):
        if signal.verbatim:
            fields["verbatim"] = redactor.redact(signal.verbatim, signal.language)
        return SurveyAnswered.trusted({**fields, "invitation_id": None, "callback_consent": None})
    fields["updated_at"] = fields["updated_at"] or received_at
    return CustomerProfileUpdated.trusted({**fields, "event_id": str(uuid.uuid4())})


class IngestService:
    def __init__(self, publisher: EventPublisher, settings: IngestSettings, clock: Clock = utc_now):
        self._publisher = publisher
        self._settings = settings
        self._clock = clock
        self._redactor = Redactor(settings.verbatim_phone_regions)

    async def accept(self, signal: Signal) -> Accepted:
        """Publish one signal.

        :raises ProblemError: 422 when it is dated outside the events' window, 503 when the
            broker does not acknowledge it.
        """
        now = self._clock()
        if errors := self._time_errors(signal, now, ()):
            raise ProblemError(422, "Request is invalid", "dated out of range", errors)
        event = to_event(signal, now, self._redactor)
        try:
            await self._publisher.publish(event)
        except BrokerUnavailable as exc:
            raise self._unavailable(str(exc)) from exc
        return Accepted(event_id=event.event_id)

    async def accept_batch(self, items: Sequence[Item]) -> BatchResult:
        """Publish every valid item; report each invalid one with its index and fields.

        :raises ProblemError: 422 when no item is valid, or when two valid items give one
            event_id to different contents (then none is published); 503 when the broker
            acknowledged none of the valid ones.
        """
        now = self._clock()
        valid: dict[int, Signal] = {}
        rejected: list[RejectedItem] = []
        for index, item in enumerate(items):
            if isinstance(item, list):
                rejected.append(RejectedItem(index=index, errors=item))
            elif errors := self._time_errors(item, now, ("items", index)):
                rejected.append(RejectedItem(index=index, errors=errors))
            else:
                valid[index] = item
        if repeated := repeated_ids(valid):
            raise _conflicting(repeated, rejected)
        if not valid:
            errors = [error for item in rejected for error in item.errors]
            raise ProblemError(422, "Request is invalid", "no item of the batch is valid", errors)
        indexes = list(valid)
        events = [to_event(signal, now, self._redactor) for signal in valid.values()]
        as_batches = len(events) >= AS_BATCHES_FROM
        outcomes = await self._publisher.publish_many(events, as_batches=as_batches)
        accepted = [i for i, error in zip(indexes, outcomes, strict=True) if error is None]
        failed = [
            FailedItem(index=i, reason=str(error))
            for i, error in zip(indexes, outcomes, strict=True)
            if error is not None
        ]
        if not accepted:
            raise self._unavailable(failed[0].reason)
        return BatchResult(
            accepted=len(accepted), accepted_indexes=accepted, rejected=rejected, failed=failed
        )

    def _time_errors(
        self, signal: Signal, now: datetime, where: tuple[str | int, ...]
    ) -> list[FieldError]:
        """The signal's date against the events' window: from ``earliest_event_time`` to
        ``max_future_seconds`` ahead of now."""
        name, moment = _dated_field(signal)
        if moment is None:
            return []
        earliest = self._settings.earliest_event_time
        ahead = int(self._settings.max_future_seconds)
        params: dict[str, Param]
        if moment < earliest:
            message = f"before {earliest.isoformat()}, the earliest time accepted"
            code, params = "before_earliest", {"earliest": earliest.isoformat()}
        elif moment > now + timedelta(seconds=ahead):
            message = f"more than {ahead} s in the future"
            code, params = "too_far_ahead", {"seconds": ahead}
        else:
            return []
        return [field_error((*where, name), message, code, params)]

    def _unavailable(self, reason: str) -> ProblemError:
        return ProblemError(
            503,
            "Event broker unavailable",
            f"nothing was accepted; retry later ({reason})",
            headers={"Retry-After": str(self._settings.retry_after_seconds)},
        )


def repeated_ids(signals: Mapping[int, Signal]) -> dict[int, int]:
    """Each signal (by its item's index) whose event_id an earlier one has with other
    content, and that earlier one's index. The same content twice is a retry within the
    batch, not a conflict: both are published, and each consumer applies the event once."""
    first: dict[str, int] = {}
    repeated: dict[int, int] = {}
    for index, signal in signals.items():
        # a profile has no event_id of the client's (getattr: a third of isinstance's time)
        event_id = getattr(signal, "event_id", None)
        if event_id is None:
            continue
        earlier = first.setdefault(event_id, index)
        if earlier != index and signals[earlier] != signal:
            repeated[index] = earlier
    return repeated


def _conflicting(repeated: dict[int, int], rejected: list[RejectedItem]) -> ProblemError:
    """The 422 of a batch whose items give one event_id to different contents, with every
    error of the batch in the items' order: one answer says all there is to fix."""
    by_index = {item.index: item.errors for item in rejected}
    for index, earlier in repeated.items():
        message = f"the event_id of item {earlier}, with other content"
        params = {"earlier_index": earlier}
        by_index[index] = [field_error(("items", index, "event_id"), message, REPEATED, params)]
    errors = [error for index in sorted(by_index) for error in by_index[index]]
    (later, earlier), more = next(iter(repeated.items())), len(repeated) - 1
    detail = f"item {later} repeats the event_id of item {earlier} with other content"
    detail += f" (and {more} more)" if more else ""
    return ProblemError(
        422, "Request is invalid", f"{detail}: nothing of the batch was accepted", errors
    )


def _dated_field(signal: Signal) -> tuple[str, datetime | None]:
    if isinstance(signal, InteractionFields):
        return "occurred_at", signal.occurred_at
    if isinstance(signal, SurveyResponseFields):
        return "answered_at", signal.answered_at
    return "updated_at", signal.updated_at
