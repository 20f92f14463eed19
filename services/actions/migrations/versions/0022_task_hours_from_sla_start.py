"""the closed-loop report's hours counted from when a task's SLA started (``sla_from``, the
arrival of a signal sent late), not from its opening (the moment's time)

A task opened by a signal sent a day after it happened was acknowledged two minutes after
it appeared and reported as acknowledged after a day: the committee read 28 h to
acknowledge beside 100 % resolved within the SLA. The hours now measure the referents'
time, as the SLA does. Both generated columns are recomputed in place (PostgreSQL 17's
``SET EXPRESSION``: their indexes rebuilt, no column dropped), the per-bucket counts
rebuilt from them, and the trigger that keeps the counts also runs on ``sla_from``.

Revision ID: 0022_task_hours_from_sla_start
Revises: 0021_task_sla_from
"""

from alembic import op

revision = "0022_task_hours_from_sla_start"
down_revision = "0021_task_sla_from"
branch_labels = None
depends_on = None

_FROM = {"upgrade": "coalesce(sla_from, opened_at)", "downgrade": "opened_at"}
_MEASURES = {"ack_hours": "acknowledged_at", "resolve_hours": "resolved_at"}
_MEASURED = {
    "upgrade": ("opened_at", "sla_from", "acknowledged_at", "resolved_at"),
    "downgrade": ("opened_at", "acknowledged_at", "resolved_at"),
}
# 0017's count of every task, each in its bucket (the buckets' edges unchanged)
_FILL = """
INSERT INTO actions.task_hours_day (opened_on, measure, bucket, tasks)
SELECT each.opened_on, each.measure, each.bucket, count(*)
FROM actions.task AS t, LATERAL (
    SELECT measure, (t.opened_at AT TIME ZONE 'UTC')::date AS opened_on,
           width_bucket(hours, ARRAY[{edges}]::float8[]) AS bucket
    FROM (VALUES ('ack', t.ack_hours), ('resolve', t.resolve_hours)) AS m (measure, hours)
    WHERE hours IS NOT NULL
) AS each
GROUP BY each.opened_on, each.measure, each.bucket
"""
# 0017's edges, four a doubling from 1/64 h to 8192 h
_EDGES = ", ".join(repr(float(f"{2 ** (k / 4):.4g}")) for k in range(-24, 53))


def _recount(direction: str) -> None:
    # the tasks' hours as they stand, under a lock that holds their changes until commit
    op.execute("LOCK TABLE actions.task IN SHARE ROW EXCLUSIVE MODE")
    for column, until in _MEASURES.items():
        expression = f"date_part('epoch', {until} - {_FROM[direction]}) / 3600.0"
        op.execute(f"ALTER TABLE actions.task ALTER COLUMN {column} SET EXPRESSION AS ({expression})")
    measured = _MEASURED[direction]
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in measured)
    op.execute("DROP TRIGGER task_hours_day_update ON actions.task")
    op.execute(
        f"CREATE TRIGGER task_hours_day_update AFTER UPDATE OF {', '.join(measured)} "
        f"ON actions.task FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION actions.task_hours_day_moved()"
    )
    op.execute("DELETE FROM actions.task_hours_day")
    op.execute(_FILL.format(edges=_EDGES))


def upgrade() -> None:
    _recount("upgrade")


def downgrade() -> None:
    _recount("downgrade")
