"""The statements of a recorded decision, written for asyncpg: one round trip to lock the
customers and read what the rules need, one to write the ledger and the quota usage.

Ids and times travel as array parameters (``unnest``), so a statement and its plan are
the same whatever the number of decisions. The rows read share one shape, ``(kind,
customer_id, key, at, persona, locale, timezone, survey_opt_out)``: kind ``customer`` (the
profile: key the version of the customer's row, its ``xmin``), ``survey`` (an allowed
decision: key the touchpoint) or ``task`` (an open task: key the task id).
"""

from __future__ import annotations

from services.actions.policy.models import (
    policy_customer,
    policy_decision,
    policy_quota_usage,
    policy_task,
)

CUSTOMER = f"{policy_customer.schema}.{policy_customer.name}"
DECISION = f"{policy_decision.schema}.{policy_decision.name}"
TASK = f"{policy_task.schema}.{policy_task.name}"
QUOTA_USAGE = f"{policy_quota_usage.schema}.{policy_quota_usage.name}"

_PROFILE = "customer_id, persona, locale, timezone, survey_opt_out, xmin::text AS version"

# $1 the customer ids (an array, or one id with ``_ONE``), $2 and $3 the times between
# which solicitations count.
_ANY, _ONE = "= ANY($1::varchar[])", "= $1::varchar"


def _history(match: str) -> str:
    return f"""
SELECT 'survey', d.customer_id, d.touchpoint, d.at, NULL, NULL, NULL, NULL
FROM {DECISION} AS d
WHERE d.customer_id {match} AND d.allowed AND d.at > $2 AND d.at < $3
UNION ALL
SELECT 'task', t.customer_id, t.task_id, NULL, NULL, NULL, NULL, NULL
FROM {TASK} AS t
WHERE t.customer_id {match} AND t.active
"""  # noqa: S608 (table names from the models, never from input)


def _profiles_then_history(profiles: str, match: str = _ANY) -> str:
    """The rows read, the profiles from the statement ``profiles`` (data-modifying
    statements may only be named in ``WITH``), the history of the customers ``match``
    selects."""
    return f"""
WITH profile AS ({profiles})
SELECT 'customer' AS kind, customer_id, version AS key, NULL::timestamptz AS at,
       persona, locale, timezone, survey_opt_out
FROM profile
UNION ALL {_history(match)}"""  # noqa: S608


# The read of one customer ($1 an id), nothing locked: a decision's first statement, and
# the simulation's. PostgreSQL keeps one generic plan for it on the policy pool's
# connections (``plan_cache_mode=auto``); READ_MANY, whose array of ids it costs at ten,
# it plans anew each time, which cost it more CPU than running the statement.
READ = _profiles_then_history(
    f"SELECT {_PROFILE} FROM {CUSTOMER} WHERE customer_id {_ONE}",  # noqa: S608
    _ONE,
)

# READ for several customers ($1 their ids).
READ_MANY = _profiles_then_history(
    f"SELECT {_PROFILE} FROM {CUSTOMER} WHERE customer_id {_ANY}"  # noqa: S608
)

# Create the customers' rows if missing and lock them, in the order of $1 (sorted by the
# caller), waiting for any transaction holding one; read their history in the same
# statement. The read sees the statement's snapshot, taken before any wait: it is current
# for a customer only if no transaction changed the customer's row since. Every decision
# recorded changes the row (the update below, or TOUCH_AND_READ), so the profile comes
# back only when the row as locked is the one the snapshot sees (or was just created);
# for the others the row is locked all the same and the caller reads again with
# TOUCH_AND_READ, under a fresh snapshot.
LOCK_AND_READ = _profiles_then_history(f"""
    INSERT INTO {CUSTOMER} AS held (customer_id)
    SELECT * FROM unnest($1::varchar[])
    ON CONFLICT (customer_id) DO UPDATE SET customer_id = excluded.customer_id
    WHERE held.xmin = (SELECT seen.xmin FROM {CUSTOMER} AS seen
                       WHERE seen.customer_id = excluded.customer_id)
    RETURNING {_PROFILE}""")  # noqa: S608

# For customers already locked by this transaction: change their rows (so that a decision
# waiting behind this one knows to read again) and read them under a new snapshot.
TOUCH_AND_READ = _profiles_then_history(f"""
    UPDATE {CUSTOMER} SET customer_id = customer_id
    WHERE customer_id = ANY($1::varchar[])
    RETURNING {_PROFILE}""")  # noqa: S608

DECISION_COLUMNS = (
    "id",
    "customer_id",
    "touchpoint",
    "channel",
    "at",
    "allowed",
    "reason",
    "next_allowed_at",
    "origin",
    "source_event_id",
    "task_id",
    "persona",
    "decided_by",
    "invitation",
)
_DECISION_TYPES = (
    "varchar",
    "varchar",
    "varchar",
    "varchar",
    "timestamptz",
    "boolean",
    "varchar",
    "timestamptz",
    "varchar",
    "varchar",
    "varchar",
    "varchar",
    "text",
    "text",
)
_DECISION_ARRAYS = ", ".join(f"${i}::{t}[]" for i, t in enumerate(_DECISION_TYPES, 1))
_USAGE = len(DECISION_COLUMNS)  # the usage arrays follow the decision columns

# Append the decisions to the ledger and add the usage to the quota counters (locked
# before by the same transaction).
RECORD = f"""
WITH usage AS (
    UPDATE {QUOTA_USAGE} AS q SET used = q.used + n.used
    FROM unnest(${_USAGE + 1}::varchar[], ${_USAGE + 2}::varchar[],
                ${_USAGE + 3}::timestamptz[], ${_USAGE + 4}::int[])
         AS n (persona, period, period_start, used)
    WHERE q.persona = n.persona AND q.period = n.period AND q.period_start = n.period_start
)
INSERT INTO {DECISION} ({", ".join(DECISION_COLUMNS)})
SELECT {", ".join(c if c != "invitation" else "invitation::jsonb" for c in DECISION_COLUMNS)}
FROM unnest({_DECISION_ARRAYS}) AS d ({", ".join(DECISION_COLUMNS)})
"""  # noqa: S608

_DECISION_VALUES = ", ".join(
    f"${i}::{t}" if c != "invitation" else f"${i}::jsonb"
    for i, (c, t) in enumerate(zip(DECISION_COLUMNS, _DECISION_TYPES, strict=True), 1)
)
_VERSION = len(DECISION_COLUMNS) + 1  # the parameter after the decision's columns

# Append one decision to the ledger, outside any transaction, if the customer's row is
# still the version READ returned ($15; NULL: there was no row): create the row, or rewrite
# it (waiting for any transaction holding it, then comparing the version it left), in the
# same statement. A decision recorded, a profile applied or the row erased since the read
# leaves nothing written and no row returned.
RECORD_IF_UNCHANGED = f"""
WITH created AS (
    INSERT INTO {CUSTOMER} (customer_id) SELECT $2::varchar WHERE ${_VERSION}::text IS NULL
    ON CONFLICT (customer_id) DO NOTHING
    RETURNING customer_id
), rewritten AS (
    UPDATE {CUSTOMER} SET customer_id = customer_id
    WHERE customer_id = $2::varchar AND xmin::text = ${_VERSION}::text
    RETURNING customer_id
)
INSERT INTO {DECISION} ({", ".join(DECISION_COLUMNS)})
SELECT {_DECISION_VALUES}
WHERE EXISTS (SELECT FROM created) OR EXISTS (SELECT FROM rewritten)
RETURNING id
"""  # noqa: S608

_QUOTA_KEYS = "unnest($1::varchar[], $2::varchar[], $3::timestamptz[])"

# Create the quota counters if missing and lock them, in the order of the arrays (sorted
# by the caller, after the customers); the counters as left by any transaction before.
LOCK_QUOTAS = f"""
INSERT INTO {QUOTA_USAGE} AS held (persona, period, period_start, used)
SELECT persona, period, period_start, 0 FROM {_QUOTA_KEYS} AS k (persona, period, period_start)
ON CONFLICT (persona, period, period_start) DO UPDATE SET used = held.used
RETURNING persona, period, period_start, used
"""  # noqa: S608

QUOTAS = f"""
SELECT persona, period, period_start, used FROM {QUOTA_USAGE}
WHERE (persona, period, period_start) IN (SELECT * FROM {_QUOTA_KEYS})
"""  # noqa: S608

# Decisions recorded before, by id (an event delivered again); the invitation as JSON text.
DECISIONS = f"""
SELECT {", ".join(c if c != "invitation" else "invitation::text" for c in DECISION_COLUMNS)}
FROM {DECISION} WHERE id = ANY($1::varchar[])
"""  # noqa: S608

_QUOTA_ARGS = _VERSION + 1  # the quota arrays follow the version: persona, period, start, max

# RECORD_IF_UNCHANGED for a decision allowed under persona quotas, in one statement: when
# the customer's row is still the version read, lock their counters (in the order of the
# arrays, sorted by the caller: after the customer's row, as the locking path does) and
# read them as the last transaction holding them left them; if every one is below its
# maximum, add one to each and append the decision. Otherwise nothing is counted or
# appended (the customer's row may have been rewritten, which only makes a decision
# waiting behind this one read again), and no row comes back: a counter missing (the
# period's first decision), full, or the row changed leaves it to the locking path.
RECORD_COUNTED_IF_UNCHANGED = f"""
WITH rewritten AS (
    UPDATE {CUSTOMER} SET customer_id = customer_id
    WHERE customer_id = $2::varchar AND xmin::text = ${_VERSION}::text
    RETURNING customer_id
), held AS (
    SELECT q.persona, q.period, q.period_start, q.used, k.max_invitations
    FROM {QUOTA_USAGE} AS q
    JOIN unnest(${_QUOTA_ARGS}::varchar[], ${_QUOTA_ARGS + 1}::varchar[],
                ${_QUOTA_ARGS + 2}::timestamptz[], ${_QUOTA_ARGS + 3}::int[])
         AS k (persona, period, period_start, max_invitations)
      ON q.persona = k.persona AND q.period = k.period AND q.period_start = k.period_start
    WHERE EXISTS (SELECT FROM rewritten)
    ORDER BY q.persona, q.period, q.period_start
    FOR UPDATE OF q
), counted AS (
    UPDATE {QUOTA_USAGE} AS q SET used = q.used + 1
    FROM held AS h
    WHERE q.persona = h.persona AND q.period = h.period AND q.period_start = h.period_start
      AND (SELECT count(*) FROM held WHERE used < max_invitations)
          = cardinality(${_QUOTA_ARGS}::varchar[])
    RETURNING q.persona
)
INSERT INTO {DECISION} ({", ".join(DECISION_COLUMNS)})
SELECT {_DECISION_VALUES}
WHERE (SELECT count(*) FROM counted) = cardinality(${_QUOTA_ARGS}::varchar[])
RETURNING id
"""  # noqa: S608
