"""Tables of the scoring service, all in its own schema. State lives here, not in RAM."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db.inbox import processed_event_table
from shared.erasure import erasure_table

SCHEMA = "scoring"
metadata = MetaData(schema=SCHEMA)

# Identifiers compared byte by byte, in code point order as Python compares them, without
# the locale's comparison on every step through their indexes (migration 0009).
IDENTIFIER = String(128, collation="C")

processed_event = processed_event_table(metadata, SCHEMA)
# The customers erased, and when: their tombstones (see shared/erasure.py).
customer_erasure = erasure_table(metadata, SCHEMA)

# customer, touchpoint_latest and touchpoint_day are rewritten by every batch: their pages
# are filled to 80 % (fillfactor, migration 0008) so that a row's next version fits beside it.
customer = Table(
    "customer",
    metadata,
    Column("customer_id", IDENTIFIER, primary_key=True),
    Column("s", Float, nullable=False, server_default="0"),
    Column("w", Float, nullable=False, server_default="0"),
    Column("t_ref", DateTime(timezone=True)),
    Column("signals", Integer, nullable=False, server_default="0"),
    Column("positives", Integer, nullable=False, server_default="0"),
    Column("negatives", Integer, nullable=False, server_default="0"),
    Column("last_nps", SmallInteger),
    Column("last_nps_at", DateTime(timezone=True)),
    Column("persona", String(64)),
    Column("value_tier", String(64)),
    Column("profile_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One row per evaluated signal: the ledger behind the timeline and the contribution ledger,
# and the record that makes a redelivered event id a no-op.
signal = Table(
    "signal",
    metadata,
    Column("event_id", IDENTIFIER, primary_key=True),
    Column("customer_id", IDENTIFIER, nullable=False),
    Column("source", String(16), nullable=False),  # survey | interaction
    Column("touchpoint", String(64)),
    Column("known_touchpoint", Boolean, nullable=False),
    Column("channel", String(16)),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("valence", Float),  # None: a response with only a verbatim
    Column("weight", Float, nullable=False),
    Column("polarity", SmallInteger, nullable=False),
    Column("moment_of_truth", Boolean, nullable=False),
    Column("moment_of_pain", Boolean, nullable=False),
    Column("outcome", String(16)),
    Column("wait_over", Boolean, nullable=False, server_default="false"),
    Column("repeat_contact", Boolean, nullable=False, server_default="false"),
    Column("transfers", SmallInteger),
    Column("nps", SmallInteger),
    Column("csat", SmallInteger),
    Column("ces", SmallInteger),
    Column("employee_ease", SmallInteger),
    Column("interaction_event_id", IDENTIFIER),
    Column("lxi_before", Float),
    Column("lxi_after", Float),
    Column("persona", String(64)),
    Column("value_tier", String(64)),
    # The employee who handled an interaction, as the client names them (an opaque staff
    # code): C2ES per employee. Goes with the customer's erasure and the signal retention.
    Column("employee_id", String(128)),
    # A survey's expectation pair (1-5 each), for its moment (migration 0010).
    Column("expected", SmallInteger),
    Column("perceived", SmallInteger),
    # An interaction's wait and its touchpoint's threshold when it was scored, for its
    # moment: "waited 14 min, over 5" where the flag alone said "over" (migration 0011).
    Column("wait_seconds", Float),
    Column("wait_threshold_seconds", Float),
    # Timelines, the ledger and a batch's earlier contacts (customer ids, a time window).
    Index("signal_customer_time", "customer_id", "occurred_at"),
    # Surveys that answer an interaction, for customer/employee ease pairs; only the rows
    # that have one, so an interaction's insert skips this index.
    Index(
        "signal_interaction_link",
        "interaction_event_id",
        postgresql_where=text("interaction_event_id IS NOT NULL"),
    ),
)

# The redacted words of a survey response, with their analysis: one row per signal that has
# a verbatim, written in the signal's transaction. Personal: erased with the customer and
# purged with the signal (SCORING_SIGNAL_RETENTION_DAYS).
verbatim = Table(
    "verbatim",
    metadata,
    Column("event_id", IDENTIFIER, primary_key=True),  # the signal's
    Column("customer_id", IDENTIFIER, nullable=False),
    Column("touchpoint", String(64)),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("persona", String(64)),
    Column("nps", SmallInteger),  # the response's, for the detractors' share of a theme
    Column("text", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("sentiment", Float, nullable=False),
    Column("sentiment_class", String(16), nullable=False),
    Column("emotions", JSONB, nullable=False),  # emotion → confidence
    Column("topics", JSONB, nullable=False),  # [{id, kind, sentiment}]
    # lemmas and pairs of neighbouring lemmas, for emerging irritants (voice/terms.py)
    Column("terms", ARRAY(Text), nullable=False),
    Index("verbatim_customer", "customer_id"),
    Index("verbatim_time", "occurred_at"),
)

# The verbatim report's counts per UTC day, touchpoint and persona ('': none), kept by
# statement triggers on ``verbatim`` (migration 0007) in the same transaction as each insert
# or delete, so an erased or purged verbatim leaves them too. Only verbatims with a touchpoint.
verbatim_day = Table(
    "verbatim_day",
    metadata,
    Column("day", Date, primary_key=True),
    Column("touchpoint", String(64), primary_key=True),
    Column("persona", String(64), primary_key=True),
    Column("verbatims", Integer, nullable=False),
    Column("plain", Integer, nullable=False),  # the verbatims that show no emotion
)
verbatim_emotion_day = Table(
    "verbatim_emotion_day",
    metadata,
    Column("day", Date, primary_key=True),
    Column("touchpoint", String(64), primary_key=True),
    Column("persona", String(64), primary_key=True),
    Column("emotion", Text, primary_key=True),
    Column("verbatims", Integer, nullable=False),
)
verbatim_theme_day = Table(
    "verbatim_theme_day",
    metadata,
    Column("day", Date, primary_key=True),
    Column("touchpoint", String(64), primary_key=True),
    Column("persona", String(64), primary_key=True),
    Column("theme", Text, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("volume", Integer, nullable=False),
    Column("sentiment", Numeric, nullable=False),  # the exact sum of the verbatims'
    Column("detractors", Integer, nullable=False),
    Column("with_nps", Integer, nullable=False),
)
# One row per topic of a verbatim with a touchpoint, for the newest examples of a theme.
verbatim_theme = Table(
    "verbatim_theme",
    metadata,
    Column("event_id", IDENTIFIER, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("touchpoint", String(64), nullable=False),
    Column("theme", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("persona", String(64)),
    Index(
        "verbatim_theme_time",
        "touchpoint",
        "theme",
        "occurred_at",
        "event_id",
        postgresql_include=["persona"],
    ),
)

touchpoint_latest = Table(
    "touchpoint_latest",
    metadata,
    Column("customer_id", IDENTIFIER, primary_key=True),
    Column("touchpoint", String(64, collation="C"), primary_key=True),
    Column("event_id", IDENTIFIER, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("valence", Float, nullable=False),
)

COUNTERS = (
    "signals",
    "positives",
    "negatives",
    "valence_sum",
    "promoters",
    "passives",
    "detractors",
    "csat_n",
    "csat_sum",
    "csat_satisfied",
    "ces_n",
    "ces_sum",
    "gap_n",
    "expected_sum",
    "perceived_sum",
    "c2es_n",
    "customer_ease_sum",
    "employee_ease_sum",
    "interactions",
    "successes",
    "failures",
    "abandoned",
    "waits_known",
    "waits_over",
)

touchpoint_day = Table(
    "touchpoint_day",
    metadata,
    Column("touchpoint", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("channel", String(16), primary_key=True),  # '' when the signal has none
    Column("persona", String(64), primary_key=True),  # '' when unknown
    Column("known_touchpoint", Boolean, nullable=False),
    *(Column(name, Float, nullable=False, server_default="0") for name in COUNTERS),
)
