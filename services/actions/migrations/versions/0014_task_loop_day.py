"""the closed-loop report's counts kept per day of opening (and of resolution), department
and touchpoint, by a trigger on the tasks in the same transaction as each change; the
resolved tasks by time of resolution, for the day the recovery period's cutoff falls in

Revision ID: 0014_task_loop_day
Revises: 0013_task_closed_loop_hours
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_task_loop_day"
down_revision = "0013_task_closed_loop_hours"
branch_labels = None
depends_on = None

SCHEMA = "actions"
COUNTS = ("tasks", "acknowledged", "within_sla", "recontacted", "recovered")
# The columns a task's counts depend on: an update of any other (escalations, notes,
# erasure) does not run the trigger.
COUNTED = (
    "opened_at",
    "department",
    "touchpoint",
    "acknowledged_at",
    "resolved_at",
    "sla_due_at",
    "customer_recontacted",
    "lxi_at_opening",
    "recovery_lxi",
)
# What the recovery counts of the tasks resolved on one day read besides resolved_at.
RESOLVED = ["opened_at", "department", "touchpoint", "lxi_at_opening", "recovery_lxi"]

# One task's key and counts (``t``: a row of actions.task), as the report's plain count
# tests them. The LXI change goes through text, the shortest decimal that reads back as
# the same float, so the numeric sum is exact and the same whatever the order of changes.
_ROW = """
    (t.opened_at AT TIME ZONE 'UTC')::date,
    coalesce(t.department, ''),
    t.touchpoint,
    coalesce((t.resolved_at AT TIME ZONE 'UTC')::date, 'infinity'::date),
    sign,
    sign * (t.acknowledged_at IS NOT NULL)::int,
    sign * coalesce(t.resolved_at <= t.sla_due_at, false)::int,
    sign * (t.resolved_at IS NOT NULL AND coalesce(t.customer_recontacted, false))::int,
    sign * (t.resolved_at IS NOT NULL AND t.lxi_at_opening IS NOT NULL
            AND t.recovery_lxi IS NOT NULL)::int,
    CASE WHEN t.resolved_at IS NOT NULL AND t.lxi_at_opening IS NOT NULL
              AND t.recovery_lxi IS NOT NULL
         THEN sign * ((t.recovery_lxi - t.lxi_at_opening)::text::numeric) ELSE 0 END
"""

_ADD = f"""
CREATE FUNCTION actions.task_loop_day_add(t actions.task, sign integer) RETURNS void
LANGUAGE sql SET extra_float_digits = 1 AS $$
    INSERT INTO actions.task_loop_day AS d
        (opened_on, department, touchpoint, resolved_on,
         {", ".join(COUNTS)}, lxi_change)
    VALUES ({_ROW})
    ON CONFLICT (opened_on, department, touchpoint, resolved_on) DO UPDATE SET
        {", ".join(f"{c} = d.{c} + excluded.{c}" for c in COUNTS)},
        lxi_change = d.lxi_change + excluded.lxi_change
$$
"""


# A task that moves from one row to another (resolved, reopened) locks the two in the
# rows' order, whatever the direction, so two such changes never wait on each other. An
# update that changes none of a task's counts (an unresolved task's recovery LXI, which the
# recovery follower writes in batches) locks no row at all.
def _key(t: str) -> str:
    """A task's row of counts, as a row value that orders them."""
    return (
        f"ROW(({t}.opened_at AT TIME ZONE 'UTC')::date, coalesce({t}.department, ''), "
        f"{t}.touchpoint::text, coalesce(({t}.resolved_at AT TIME ZONE 'UTC')::date, "
        "'infinity'::date))"
    )


def _counted(t: str) -> str:
    """Everything of a task its row counts: the row, then each count's test."""
    measured = (
        f"{t}.resolved_at IS NOT NULL AND {t}.lxi_at_opening IS NOT NULL "
        f"AND {t}.recovery_lxi IS NOT NULL"
    )
    return (
        f"ROW({_key(t)}, {t}.acknowledged_at IS NOT NULL, "
        f"coalesce({t}.resolved_at <= {t}.sla_due_at, false), "
        f"{t}.resolved_at IS NOT NULL AND coalesce({t}.customer_recontacted, false), "
        f"CASE WHEN {measured} THEN {t}.recovery_lxi - {t}.lxi_at_opening END)"
    )


_KEEP = f"""
CREATE FUNCTION actions.task_loop_day_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM actions.task_loop_day_add(NEW, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM actions.task_loop_day_add(OLD, -1);
    ELSIF {_counted("NEW")} IS NOT DISTINCT FROM {_counted("OLD")} THEN
        NULL;
    ELSIF {_key("NEW")} < {_key("OLD")} THEN
        PERFORM actions.task_loop_day_add(NEW, 1);
        PERFORM actions.task_loop_day_add(OLD, -1);
    ELSE
        PERFORM actions.task_loop_day_add(OLD, -1);
        PERFORM actions.task_loop_day_add(NEW, 1);
    END IF;
    RETURN NULL;
END
$$
"""

_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COUNTED)
_TRIGGERS = (
    "CREATE TRIGGER task_loop_day_insert_delete AFTER INSERT OR DELETE ON actions.task "
    "FOR EACH ROW EXECUTE FUNCTION actions.task_loop_day_keep()",
    f"CREATE TRIGGER task_loop_day_update AFTER UPDATE OF {', '.join(COUNTED)} "
    f"ON actions.task FOR EACH ROW WHEN ({_CHANGED}) "
    "EXECUTE FUNCTION actions.task_loop_day_keep()",
)

_FILL = f"""
INSERT INTO actions.task_loop_day
    (opened_on, department, touchpoint, resolved_on, {", ".join(COUNTS)}, lxi_change)
SELECT opened_on, department, touchpoint, resolved_on,
       {", ".join(f"sum({c})" for c in COUNTS)}, sum(lxi_change)
FROM (SELECT {_ROW} FROM actions.task AS t, (SELECT 1 AS sign) AS one)
    AS each_task (opened_on, department, touchpoint, resolved_on,
                  {", ".join(COUNTS)}, lxi_change)
GROUP BY opened_on, department, touchpoint, resolved_on
"""


def upgrade() -> None:
    op.create_table(
        "task_loop_day",
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("touchpoint", sa.String(64), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in COUNTS),
        sa.Column("lxi_change", sa.Numeric(), nullable=False),
        sa.PrimaryKeyConstraint(
            "opened_on", "department", "touchpoint", "resolved_on", name="task_loop_day_pkey"
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "task_resolved",
        "task",
        ["resolved_at"],
        schema=SCHEMA,
        postgresql_include=RESOLVED,
        postgresql_where=sa.text("resolved_at IS NOT NULL"),
    )
    # the tasks' counts as they stand, under a lock that holds their changes until commit
    op.execute("LOCK TABLE actions.task IN SHARE ROW EXCLUSIVE MODE")
    op.execute("SET LOCAL extra_float_digits = 1")  # as the trigger's function has it
    for statement in (_ADD, _KEEP, *_TRIGGERS, _FILL):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER task_loop_day_update ON actions.task")
    op.execute("DROP TRIGGER task_loop_day_insert_delete ON actions.task")
    op.execute("DROP FUNCTION actions.task_loop_day_keep()")
    op.execute("DROP FUNCTION actions.task_loop_day_add(actions.task, integer)")
    op.drop_index("task_resolved", "task", schema=SCHEMA)
    op.drop_table("task_loop_day", schema=SCHEMA)
