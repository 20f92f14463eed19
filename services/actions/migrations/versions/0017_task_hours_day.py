"""the closed-loop percentiles' hours counted per measure, day of opening and bucket of
hours, by a trigger on the tasks in the same transaction as each change: a percentile's
rank is found in its bucket from these counts, and only that bucket's hours are read

Revision ID: 0017_task_hours_day
Revises: 0016_policy_decision_funnel
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_task_hours_day"
down_revision = "0016_policy_decision_funnel"
branch_labels = None
depends_on = None

SCHEMA = "actions"
# The buckets' lower edges in hours: four a doubling, 2^(k/4) to four significant digits,
# from 1/64 h to 8192 h (``services.actions.tasks.loop_hours.EDGES``, the same floats: the
# shortest text of each reads back as the same double in Python and PostgreSQL).
EDGES = ", ".join(repr(float(f"{2 ** (k / 4):.4g}")) for k in range(-24, 53))
# A task's bucket of each measure it has: width_bucket compares as the measure's index
# orders (0 below the first edge, n at or above the last).
_ROWS = f"""
    SELECT measure, (t.opened_at AT TIME ZONE 'UTC')::date AS opened_on,
           width_bucket(hours, ARRAY[{EDGES}]::float8[]) AS bucket, sign
    FROM (VALUES ('ack', t.ack_hours), ('resolve', t.resolve_hours)) AS m (measure, hours)
    WHERE hours IS NOT NULL
"""

def _upsert(tasks: str) -> str:
    """The counts of ``tasks`` (rows ``t``, each with its ``sign``) added to their rows, in
    one statement that locks the rows in their key's order (two writers never wait on each
    other in a cycle) and leaves untouched those whose count does not change."""
    return f"""
    INSERT INTO actions.task_hours_day AS d (opened_on, measure, bucket, tasks)
    SELECT each.opened_on, each.measure, each.bucket, sum(each.sign)
    FROM {tasks}, LATERAL ({_ROWS}) AS each
    GROUP BY each.opened_on, each.measure, each.bucket
    HAVING sum(each.sign) <> 0
    ORDER BY each.opened_on, each.measure, each.bucket
    ON CONFLICT (opened_on, measure, bucket) DO UPDATE SET tasks = d.tasks + excluded.tasks
    """


# Tasks inserted or deleted, once per statement from its transition table: a batch of
# tasks (the alerts consumer's, a bulk load) updates each of its rows once, not once a task.
_ADDED = f"""
CREATE FUNCTION actions.task_hours_day_added() RETURNS trigger LANGUAGE plpgsql AS $$
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

# A task updated, once per row (a transition table cannot come with the columns that run
# the trigger): its old counts out, its new ones in.
_MOVED = f"""
CREATE FUNCTION actions.task_hours_day_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_upsert("(VALUES (OLD, -1), (NEW, 1)) AS changed (t, sign)").replace("t.", "(changed.t).")};
    RETURN NULL;
END
$$
"""

# The hours are generated from these three: an update of any other does not run it.
_MEASURED = ("opened_at", "acknowledged_at", "resolved_at")
_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _MEASURED)
_TRIGGERS = (
    "CREATE TRIGGER task_hours_day_insert AFTER INSERT ON actions.task "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION actions.task_hours_day_added()",
    "CREATE TRIGGER task_hours_day_delete AFTER DELETE ON actions.task "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
    "EXECUTE FUNCTION actions.task_hours_day_added()",
    f"CREATE TRIGGER task_hours_day_update AFTER UPDATE OF {', '.join(_MEASURED)} "
    f"ON actions.task FOR EACH ROW WHEN ({_CHANGED}) "
    "EXECUTE FUNCTION actions.task_hours_day_moved()",
)
_FILL = _upsert("actions.task AS t, (SELECT 1 AS sign) AS one")


def upgrade() -> None:
    # the key leads with the day: a period's rows are read from it; no other index, so
    # that a count's update stays on its page (HOT) and the table small
    op.create_table(
        "task_hours_day",
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("tasks", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("opened_on", "measure", "bucket", name="task_hours_day_pkey"),
        schema=SCHEMA,
    )
    # the tasks' hours as they stand, under a lock that holds their changes until commit
    op.execute("LOCK TABLE actions.task IN SHARE ROW EXCLUSIVE MODE")
    for statement in (_ADDED, _MOVED, *_TRIGGERS, _FILL):
        op.execute(statement)


def downgrade() -> None:
    for trigger in ("update", "delete", "insert"):
        op.execute(f"DROP TRIGGER task_hours_day_{trigger} ON actions.task")
    op.execute("DROP FUNCTION actions.task_hours_day_moved()")
    op.execute("DROP FUNCTION actions.task_hours_day_added()")
    op.drop_table("task_hours_day", schema=SCHEMA)
