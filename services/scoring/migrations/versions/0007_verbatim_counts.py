"""the verbatim report's counts kept per UTC day, touchpoint and persona (verbatims, those
without emotions, each emotion, each theme with its sentiment and NPS counts) and each
theme's verbatims for the examples, by statement triggers on the verbatims in the same
transaction as each insert or delete

Revision ID: 0007_verbatim_counts
Revises: 0006_verbatim
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_verbatim_counts"
down_revision = "0006_verbatim"
branch_labels = None
depends_on = None

SCHEMA = "scoring"
_DAY = "(v.occurred_at AT TIME ZONE 'UTC')::date"
_KEY = f"{_DAY}, v.touchpoint, coalesce(v.persona, '')"


def _counts(changed: str) -> list[str]:
    """The statements that add ``changed`` (rows of scoring.verbatim with a ``sign``, 1 or
    −1) to the day counts. Each groups, sorts and upserts: two transactions lock the rows
    of a table in the same order, and the tables in the same order, so they never wait on
    each other in a cycle. The sentiment goes through text, the shortest decimal that reads
    back as the same float, so the numeric sum is exact whatever the order of changes."""
    return [
        f"""
        INSERT INTO scoring.verbatim_day AS d (day, touchpoint, persona, verbatims, plain)
        SELECT {_KEY}, sum(sign), coalesce(sum(sign) FILTER (WHERE v.emotions = '{{}}'), 0)
        FROM ({changed}) v WHERE v.touchpoint IS NOT NULL
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (day, touchpoint, persona) DO UPDATE
        SET verbatims = d.verbatims + excluded.verbatims, plain = d.plain + excluded.plain
        """,
        f"""
        INSERT INTO scoring.verbatim_emotion_day AS d
            (day, touchpoint, persona, emotion, verbatims)
        SELECT {_KEY}, e.key, sum(sign)
        FROM ({changed}) v, jsonb_each(v.emotions) e WHERE v.touchpoint IS NOT NULL
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, touchpoint, persona, emotion) DO UPDATE
        SET verbatims = d.verbatims + excluded.verbatims
        """,
        f"""
        INSERT INTO scoring.verbatim_theme_day AS d
            (day, touchpoint, persona, theme, kind, volume, sentiment, detractors, with_nps)
        SELECT {_KEY}, t->>'id', t->>'kind', sum(sign),
               sum(sign * v.sentiment::text::numeric),
               coalesce(sum(sign) FILTER (WHERE v.nps <= 6), 0),
               coalesce(sum(sign) FILTER (WHERE v.nps IS NOT NULL), 0)
        FROM ({changed}) v, jsonb_array_elements(v.topics) t WHERE v.touchpoint IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (day, touchpoint, persona, theme, kind) DO UPDATE
        SET volume = d.volume + excluded.volume, sentiment = d.sentiment + excluded.sentiment,
            detractors = d.detractors + excluded.detractors,
            with_nps = d.with_nps + excluded.with_nps
        """,
    ]


_ADD_THEMES = """
    INSERT INTO scoring.verbatim_theme (event_id, position, touchpoint, theme, occurred_at, persona)
    SELECT v.event_id, t.position, v.touchpoint, t.topic->>'id', v.occurred_at, v.persona
    FROM {source} v, jsonb_array_elements(v.topics) WITH ORDINALITY t (topic, position)
    WHERE v.touchpoint IS NOT NULL
"""
_REMOVE_THEMES = """
    DELETE FROM scoring.verbatim_theme WHERE event_id IN (SELECT event_id FROM removed)
"""


def _function(name: str, statements: list[str]) -> str:
    body = ";\n".join(statements)
    return f"""
CREATE FUNCTION scoring.{name}() RETURNS trigger LANGUAGE plpgsql
SET extra_float_digits = 1 AS $$
BEGIN
    {body};
    RETURN NULL;
END
$$
"""


_ADD = _function(
    "verbatim_counts_add",
    [*_counts("SELECT *, 1 AS sign FROM added"), _ADD_THEMES.format(source="added")],
)
_REMOVE = _function(
    "verbatim_counts_remove",
    [*_counts("SELECT *, -1 AS sign FROM removed"), _REMOVE_THEMES],
)
# A verbatim is written once and never updated; an update (by hand) is refused rather than
# left uncounted.
_FREEZE = """
CREATE FUNCTION scoring.verbatim_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'scoring.verbatim rows are not updated: delete and insert instead';
END
$$
"""
_TRIGGERS = (
    "CREATE TRIGGER verbatim_counts_add AFTER INSERT ON scoring.verbatim "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION scoring.verbatim_counts_add()",
    "CREATE TRIGGER verbatim_counts_remove AFTER DELETE ON scoring.verbatim "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
    "EXECUTE FUNCTION scoring.verbatim_counts_remove()",
    "CREATE TRIGGER verbatim_frozen BEFORE UPDATE ON scoring.verbatim "
    "FOR EACH ROW EXECUTE FUNCTION scoring.verbatim_frozen()",
)


def _day_key() -> list[sa.Column[object]]:
    return [
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("touchpoint", sa.String(64), nullable=False),
        sa.Column("persona", sa.String(64), nullable=False),  # '': none
    ]


def _tables() -> None:
    op.create_table(
        "verbatim_day",
        *_day_key(),
        sa.Column("verbatims", sa.Integer(), nullable=False),
        sa.Column("plain", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "touchpoint", "persona"),
        schema=SCHEMA,
    )
    op.create_table(
        "verbatim_emotion_day",
        *_day_key(),
        sa.Column("emotion", sa.Text(), nullable=False),
        sa.Column("verbatims", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "touchpoint", "persona", "emotion"),
        schema=SCHEMA,
    )
    op.create_table(
        "verbatim_theme_day",
        *_day_key(),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("sentiment", sa.Numeric(), nullable=False),
        sa.Column("detractors", sa.Integer(), nullable=False),
        sa.Column("with_nps", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "touchpoint", "persona", "theme", "kind"),
        schema=SCHEMA,
    )
    op.create_table(
        "verbatim_theme",
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("touchpoint", sa.String(64), nullable=False),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("persona", sa.String(64)),
        sa.PrimaryKeyConstraint("event_id", "position"),
        schema=SCHEMA,
    )
    # read backwards, newest first (an incremental sort orders the rare ties by event id)
    op.create_index(
        "verbatim_theme_time",
        "verbatim_theme",
        ["touchpoint", "theme", "occurred_at", "event_id"],
        schema=SCHEMA,
        postgresql_include=["persona"],
    )


def upgrade() -> None:
    _tables()
    # the verbatims as they stand, under a lock that holds their changes until commit
    op.execute("LOCK TABLE scoring.verbatim IN SHARE ROW EXCLUSIVE MODE")
    op.execute("SET LOCAL extra_float_digits = 1")  # as the triggers' functions have it
    for statement in (_ADD, _REMOVE, _FREEZE, *_TRIGGERS):
        op.execute(statement)
    for statement in _counts("SELECT *, 1 AS sign FROM scoring.verbatim"):
        op.execute(statement)
    op.execute(_ADD_THEMES.format(source="scoring.verbatim"))


def downgrade() -> None:
    for trigger in ("verbatim_frozen", "verbatim_counts_remove", "verbatim_counts_add"):
        op.execute(f"DROP TRIGGER {trigger} ON scoring.verbatim")
    for function in ("verbatim_frozen", "verbatim_counts_remove", "verbatim_counts_add"):
        op.execute(f"DROP FUNCTION scoring.{function}()")
    for table in ("verbatim_theme", "verbatim_theme_day", "verbatim_emotion_day", "verbatim_day"):
        op.drop_table(table, schema=SCHEMA)
