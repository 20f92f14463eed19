"""Micro-benchmark of the event envelope: ``encode`` and ``decode`` per event type.

``python -m bench.codec`` prints, for one sample event of each type
(``event_samples.py``), the payload's size and the µs per call of ``shared.events.envelope``'s
``encode`` and ``decode``; beside them the same through the CloudEvents SDK (``to_binary``
and ``from_binary``, the payload as bytes into ``model_validate_json``: the codec before
the envelope wrote its headers itself), and the payload alone (pydantic's JSON serialiser
and ``model_validate_json``), the floor of both. Best of five rounds, single process, no
broker.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from bench.event_samples import samples
from shared.events.envelope import EVENT_MODELS, decode, encode
from shared.events.schemas import Event

SOURCE = "/cxloop/bench"
ROUNDS = 5


class _PayloadAsBytes(JSONFormat):
    def read_data(self, body: bytes, datacontenttype: str | None) -> bytes | None:
        return body or None


_FORMAT = _PayloadAsBytes()


def sdk_encode(event: Event, source: str) -> KafkaMessage:
    attributes = {
        "id": event.event_id,
        "source": source,
        "type": event.ce_type,
        "subject": event.customer_id,
        "time": event.occurred,
        "datacontenttype": "application/json",
        "partitionkey": event.customer_id,
    }
    payload = event.model_dump_json(exclude_none=True).encode()
    return to_binary(CloudEvent(attributes, payload), _FORMAT)


def sdk_decode(headers: list[tuple[str, bytes]], key: bytes, value: bytes) -> Event:
    read = from_binary(KafkaMessage(dict(headers), key, value), _FORMAT, CloudEvent)
    data = read.get_data()
    assert isinstance(data, bytes)
    return EVENT_MODELS[read.get_type()].model_validate_json(data)


def best_us(call: Callable[[], object], number: int) -> float:
    """The fastest of :data:`ROUNDS` rounds of ``number`` calls, in µs per call."""
    return min(timeit.repeat(call, number=number, repeat=ROUNDS)) / number * 1e6


def measure(event: Event, number: int) -> tuple[int, float, float, float, float, float, float]:
    """Payload bytes; µs of encode, decode, the SDK's encode and decode, payload
    serialisation and payload validation."""
    model = EVENT_MODELS[event.ce_type]
    message = encode(event, SOURCE)
    headers, key, value = list(message.headers.items()), event.customer_id.encode(), message.value
    assert decode(headers, key, value).data == event == sdk_decode(headers, key, value)
    return (
        len(value),
        best_us(lambda: encode(event, SOURCE), number),
        best_us(lambda: decode(headers, key, value), number),
        best_us(lambda: sdk_encode(event, SOURCE), number),
        best_us(lambda: sdk_decode(headers, key, value), number),
        best_us(lambda: event.model_dump_json(exclude_none=True), number),
        best_us(lambda: model.model_validate_json(value), number),
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.codec", description=__doc__)
    parser.add_argument("--number", type=int, default=20_000, help="calls per round")
    args = parser.parse_args()
    print(
        "| event type | payload bytes | encode µs | decode µs | SDK encode µs | SDK decode µs "
        "| payload out µs | payload in µs |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for ce_type, event in samples().items():
        # the journey map is 20 kB: fewer calls keep the run short
        number = args.number if len(event.model_dump_json()) < 4096 else args.number // 50
        size, *micros = measure(event, number)
        print(f"| {ce_type} | {size:,} | " + " | ".join(f"{us:.1f}" for us in micros) + " |")


if __name__ == "__main__":
    main()
