"""``Event.trusted``: an event built from values computed here, without validation, is
the event validation would have built, and publishes as the same record."""

from __future__ import annotations

import pytest

from bench.event_samples import moment, samples
from shared.events.envelope import EVENT_MODELS, encode
from shared.events.schemas import Event, MomentEvaluated


@pytest.mark.parametrize("sample", list(samples().values()), ids=lambda e: e.ce_type)
def test_a_trusted_event_equals_the_validated_one_and_encodes_alike(sample: Event) -> None:
    built = type(sample).trusted(dict(sample))

    assert built == sample
    assert built.model_dump() == sample.model_dump()
    assert encode(built, "/cxloop/test") == encode(sample, "/cxloop/test")


@pytest.mark.parametrize("model", list(EVENT_MODELS.values()), ids=lambda m: m.ce_type)
def test_no_event_has_what_trusted_leaves_out(model: type[Event]) -> None:
    """``trusted`` sets the fields only, as model_construct does for a model without
    private attributes or a post-init hook."""
    assert model.__private_attributes__ == {}
    assert model.__pydantic_post_init__ is None


def test_trusted_refuses_a_missing_or_unknown_field() -> None:
    values = dict(moment())
    del values["lxi_after"]
    with pytest.raises(ValueError, match="lxi_after"):
        MomentEvaluated.trusted(values)
    with pytest.raises(ValueError, match="colour"):
        MomentEvaluated.trusted({**dict(moment()), "colour": "red"})
