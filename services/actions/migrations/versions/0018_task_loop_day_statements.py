"""the closed loop's day rows count inserted and deleted tasks once per statement, from its
transition table: a batch of tasks updates each of its day rows once, not once a task
(updates stay per row, as the columns that run them cannot come with a transition table)

Revision ID: 0018_task_loop_day_statements
Revises: 0017_task_hours_day
"""

from alembic import op

revision = "0018_task_loop_day_statements"
down_revision = "0017_task_hours_day"
branch_labels = None
depends_on = None

KEY = ("opened_on", "department", "touchpoint", "resolved_on")
COUNTS = ("tasks", "acknowledged", "within_sla", "recontacted", "recovered", "lxi_change")
# One task's key and counts (``t``: a row of actions.task, with its ``sign``), as
# 0014_task_loop_day has them.
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


def _upsert(tasks: str) -> str:
    """The counts of ``tasks`` (rows ``t``, each with its ``sign``) added to their day rows
    in one statement that locks the rows in their key's order."""
    key, columns = ", ".join(KEY), ", ".join(KEY + COUNTS)
    return f"""
    INSERT INTO actions.task_loop_day AS d ({columns})
    SELECT {key}, {", ".join(f"sum({c})" for c in COUNTS)}
    FROM (SELECT {_ROW} FROM {tasks}) AS each_task ({columns})
    GROUP BY {key}
    ORDER BY {key}
    ON CONFLICT ({key}) DO UPDATE SET {", ".join(f"{c} = d.{c} + excluded.{c}" for c in COUNTS)}
    """


_ADDED = f"""
CREATE FUNCTION actions.task_loop_day_added() RETURNS trigger LANGUAGE plpgsql
SET extra_float_digits = 1 AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_upsert("added AS t, (SELECT 1 AS sign) AS one")};
    ELSE
        {_upsert("removed AS t, (SELECT -1 AS sign) AS one")};
    END IF;
    RETURN NULL;
END
$$
"""
_TRIGGERS = (
    "CREATE TRIGGER task_loop_day_insert AFTER INSERT ON actions.task "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION actions.task_loop_day_added()",
    "CREATE TRIGGER task_loop_day_delete AFTER DELETE ON actions.task "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
    "EXECUTE FUNCTION actions.task_loop_day_added()",
)
_PER_ROW = (
    "CREATE TRIGGER task_loop_day_insert_delete AFTER INSERT OR DELETE ON actions.task "
    "FOR EACH ROW EXECUTE FUNCTION actions.task_loop_day_keep()"
)


def upgrade() -> None:
    op.execute("DROP TRIGGER task_loop_day_insert_delete ON actions.task")
    for statement in (_ADDED, *_TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER task_loop_day_delete ON actions.task")
    op.execute("DROP TRIGGER task_loop_day_insert ON actions.task")
    op.execute("DROP FUNCTION actions.task_loop_day_added()")
    op.execute(_PER_ROW)
