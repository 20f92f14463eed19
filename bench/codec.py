"""Micro-benchmark of the event envelope: ``encode`` and ``decode`` per event type.

``python -m bench.codec`` prints, for one sample event of each type (tests/shared/
event_samples.py), the payload's size and the µs per call of ``shared.events.envelope``'s
``encode`` and ``decode``, beside the payload alone (pydantic's JSON serialiser and
``model_validate_json``): what the envelope adds is the difference. Best of five rounds,
single process, no broker.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

from shared.events.envelope import EVENT_MODELS, decode, encode
from shared.events.schemas import Event
from tests.shared.event_samples import samples

SOURCE = "/cxloop/bench"
ROUNDS = 5


def best_us(call: Callable[[], object], number: int) -> float:
    """The fastest of :data:`ROUNDS` rounds of ``number`` calls, in µs per call."""
    return min(timeit.repeat(call, number=number, repeat=ROUNDS)) / number * 1e6


def measure(event: Event, number: int) -> tuple[int, float, float, float, float]:
    """Payload bytes; µs of encode, decode, payload serialisation, payload validation."""
    model = EVENT_MODELS[event.ce_type]
    message = encode(event, SOURCE)
    headers, key, value = list(message.headers.items()), event.customer_id.encode(), message.value
    assert decode(headers, key, value).data == event
    return (
        len(value),
        best_us(lambda: encode(event, SOURCE), number),
        best_us(lambda: decode(headers, key, value), number),
        best_us(lambda: event.model_dump_json(exclude_none=True), number),
        best_us(lambda: model.model_validate_json(value), number),
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.codec", description=__doc__)
    parser.add_argument("--number", type=int, default=20_000, help="calls per round")
    args = parser.parse_args()
    print("| event type | payload bytes | encode µs | decode µs | payload out µs | payload in µs |")
    print("|---|---:|---:|---:|---:|---:|")
    for ce_type, event in samples().items():
        # the journey map is 20 kB: fewer calls keep the run short
        number = args.number if len(event.model_dump_json()) < 4096 else args.number // 50
        size, enc, dec, out, into = measure(event, number)
        print(f"| {ce_type} | {size:,} | {enc:.1f} | {dec:.1f} | {out:.1f} | {into:.1f} |")


if __name__ == "__main__":
    main()
