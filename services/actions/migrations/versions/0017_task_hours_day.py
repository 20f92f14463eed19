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

# One statement for a task's change (``old`` or ``new`` null when inserted or deleted): its
# rows locked in their key's order whatever the direction, so two changes never wait on
# each other, and none that the change leaves as they were.
_MOVE = f"""
CREATE FUNCTION actions.task_hours_day_move(old actions.task, new actions.task)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO actions.task_hours_day AS d (measure, opened_on, bucket, tasks)
    SELECT measure, opened_on, bucket, sum(sign)
    FROM (
        SELECT each.* FROM (SELECT old AS t, -1 AS sign WHERE (old).id IS NOT NULL
                            UNION ALL SELECT new, 1 WHERE (new).id IS NOT NULL) AS changed,
        LATERAL ({_ROWS.replace("t.", "(changed.t).")}) AS each
    ) AS moved
    GROUP BY measure, opened_on, bucket
    HAVING sum(sign) <> 0
    ORDER BY measure, opened_on, bucket
    ON CONFLICT (measure, opened_on, bucket) DO UPDATE SET tasks = d.tasks + excluded.tasks
$$
"""

_KEEP = """
CREATE FUNCTION actions.task_hours_day_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM actions.task_hours_day_move(NULL::actions.task, NEW);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM actions.task_hours_day_move(OLD, NULL::actions.task);
    ELSE
        PERFORM actions.task_hours_day_move(OLD, NEW);
    END IF;
    RETURN NULL;
END
$$
"""

# The hours are generated from these three: an update of any other does not run it.
_MEASURED = ("opened_at", "acknowledged_at", "resolved_at")
_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _MEASURED)
_TRIGGERS = (
    "CREATE TRIGGER task_hours_day_insert_delete AFTER INSERT OR DELETE ON actions.task "
    "FOR EACH ROW EXECUTE FUNCTION actions.task_hours_day_keep()",
    f"CREATE TRIGGER task_hours_day_update AFTER UPDATE OF {', '.join(_MEASURED)} "
    f"ON actions.task FOR EACH ROW WHEN ({_CHANGED}) "
    "EXECUTE FUNCTION actions.task_hours_day_keep()",
)

_FILL = f"""
INSERT INTO actions.task_hours_day (measure, opened_on, bucket, tasks)
SELECT each.measure, each.opened_on, each.bucket, count(*)
FROM actions.task AS t, (SELECT 1 AS sign) AS one, LATERAL ({_ROWS}) AS each
GROUP BY each.measure, each.opened_on, each.bucket
"""


def upgrade() -> None:
    op.create_table(
        "task_hours_day",
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("tasks", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "measure", "opened_on", "bucket", name="task_hours_day_pkey"
        ),
        schema=SCHEMA,
    )
    # a period's counts read from the index alone
    op.create_index(
        "task_hours_day_counts",
        "task_hours_day",
        ["opened_on"],
        schema=SCHEMA,
        postgresql_include=["measure", "bucket", "tasks"],
    )
    # the tasks' hours as they stand, under a lock that holds their changes until commit
    op.execute("LOCK TABLE actions.task IN SHARE ROW EXCLUSIVE MODE")
    for statement in (_MOVE, _KEEP, *_TRIGGERS, _FILL):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER task_hours_day_update ON actions.task")
    op.execute("DROP TRIGGER task_hours_day_insert_delete ON actions.task")
    op.execute("DROP FUNCTION actions.task_hours_day_keep()")
    op.execute("DROP FUNCTION actions.task_hours_day_move(actions.task, actions.task)")
    op.drop_table("task_hours_day", schema=SCHEMA)
