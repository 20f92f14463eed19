"""The bench's verdict on what words cost scoring: the mean rates of the runs with words
against those without, taken in alternating order."""

from __future__ import annotations

from bench.report import Verdict
from bench.scoring import WORDS_ORDER, Backlog, Progress, _words_rows


def backlog(rate: float, cores: float = 0.8, complete: bool = True) -> Backlog:
    # 10,000 events timed over 10,000 / rate seconds
    progress = Progress(10_000, 0, 10_000 / rate, 0, {"scoring": cores, "postgres": 0.3})
    return Backlog(progress, complete)


def test_the_order_weighs_a_drifting_load_alike_on_both() -> None:
    # a load growing by the same step each run costs both kinds the same in sum
    positions = {words: [i for i, w in enumerate(WORDS_ORDER) if w is words] for words in (1, 0)}
    assert sum(positions[True]) == sum(positions[False])


def test_the_drop_is_that_of_the_mean_rates() -> None:
    rows = _words_rows([backlog(9_000), backlog(7_000)], [backlog(9_000), backlog(11_000)])
    drop = rows[0]
    assert drop.value.startswith("8,000 events/s (+20.0% drop; with words 9,000 and 7,000")
    assert "without 9,000 and 11,000" in drop.value
    assert drop.goal == "drop ≤ 10% vs 10,000/s without words"
    assert drop.verdict is Verdict.FAIL
    # 0.8 cores at 9,000 and 7,000/s: 89 and 114 µs; at 9,000 and 11,000/s: 89 and 73
    assert rows[1].value == "with words 102 µs, without 81 µs"


def test_a_drop_within_the_goal_passes_unless_offsets_were_left() -> None:
    plain = [backlog(10_000), backlog(10_000)]
    assert _words_rows([backlog(9_500), backlog(9_300)], plain)[0].verdict is Verdict.PASS
    left = [backlog(9_500), backlog(9_300, complete=False)]
    rows = _words_rows(left, plain)
    assert rows[0].verdict is Verdict.FAIL
    assert rows[0].value.endswith("offsets not committed")
