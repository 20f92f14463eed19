"""How well the verbatim analyser reads the labelled set in ``bench/data/verbatims.jsonl``.

``make eval`` (``python -m bench.verbatims``) prints, per split (dev, held-out) and
language: sentiment accuracy, macro-F1 and confusion matrix, emotion micro-F1, topic
precision and recall, and the mean CPU time per verbatim. ``--errors`` lists the dev
split's misreadings, never the held-out split's: that one stays unseen while tuning.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.report import Row, Verdict, judge
from services.scoring.voice.analyser import Analysis, analyse
from services.scoring.voice.lexicon import warm
from services.scoring.voice.taxonomy import taxonomy_of
from services.scoring.voice.topics import Taxonomy
from shared.journey import JourneyMap

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "verbatims.jsonl"
MAP = ROOT / "services" / "actions" / "journey" / "examples" / "retailer.yaml"
CLASSES = ("negative", "neutral", "positive")
GOAL_F1, GOAL_PRECISION, GOAL_RECALL, GOAL_CPU_MS = 0.80, 0.85, 0.60, 1.0


@dataclass(frozen=True)
class Scores:
    count: int
    language_accuracy: float
    accuracy: float
    macro_f1: float
    confusion: dict[tuple[str, str], int]
    emotion_f1: float
    topic_precision: float
    topic_recall: float


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


def taxonomy() -> Taxonomy:
    """The example map's root causes: the set's topics are labelled against them."""
    journey_map = JourneyMap.model_validate(yaml.safe_load(MAP.read_text(encoding="utf-8")))
    return taxonomy_of(journey_map.model_copy(update={"touchpoints": []}))


def read_all(items: Sequence[dict[str, Any]], topics: Taxonomy) -> tuple[list[Analysis], float]:
    """Every item's analysis and the mean CPU milliseconds per verbatim (best of 3 passes,
    after a warm-up pass that loads the dictionaries)."""
    results = [analyse(str(item["text"]), taxonomy=topics) for item in items]
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for item in items:
            analyse(str(item["text"]), taxonomy=topics)
        best = min(best, time.process_time() - started)
    return results, 1000 * best / len(items)


def scores(items: Sequence[dict[str, Any]], results: Sequence[Analysis]) -> Scores:
    pairs = list(zip(items, results, strict=True))
    confusion: Counter[tuple[str, str]] = Counter(
        (str(i["sentiment"]), str(r.sentiment_class)) for i, r in pairs
    )
    emotions = _overlap((set(i["emotions"]), set(r.emotions)) for i, r in pairs)
    topics = _overlap((set(i["topics"]), {t.id for t in r.topics}) for i, r in pairs)
    n = len(pairs)
    return Scores(
        n,
        sum(i["language"] == r.language for i, r in pairs) / n,
        sum(confusion[c, c] for c in CLASSES) / n,
        _macro_f1(confusion),
        dict(confusion),
        _f1(*emotions),
        topics[0] / max(1, topics[0] + topics[1]),
        topics[0] / max(1, topics[0] + topics[2]),
    )


def _overlap(pairs: Iterable[tuple[set[str], set[str]]]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) over (gold, predicted) sets."""
    tp = fp = fn = 0
    for gold, predicted in pairs:
        tp += len(gold & predicted)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
    return tp, fp, fn


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / max(1, 2 * tp + fp + fn)


def _macro_f1(confusion: Counter[tuple[str, str]]) -> float:
    f1s = []
    for c in CLASSES:
        tp = confusion[c, c]
        fp = sum(confusion[g, c] for g in CLASSES if g != c)
        fn = sum(confusion[c, p] for p in CLASSES if p != c)
        f1s.append(_f1(tp, fp, fn))
    return sum(f1s) / len(f1s)


def evaluate() -> tuple[dict[tuple[str, str], Scores], float]:
    """Scores by (split, language) and the mean CPU ms per verbatim over the whole set."""
    warm()
    items = load()
    results, cpu_ms = read_all(items, taxonomy())
    table: dict[tuple[str, str], Scores] = {}
    for split in ("dev", "heldout"):
        for language in ("fr", "en"):
            chosen = [
                (i, r)
                for i, r in zip(items, results, strict=True)
                if i["split"] == split and i["language"] == language
            ]
            table[split, language] = scores([i for i, _ in chosen], [r for _, r in chosen])
    return table, cpu_ms


def report(table: dict[tuple[str, str], Scores], cpu_ms: float) -> str:
    lines = [
        "| split | lang | n | language acc. | sentiment acc. | sentiment macro-F1 "
        "| emotion micro-F1 | topic precision | topic recall |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (split, language), s in table.items():
        lines.append(
            f"| {split} | {language} | {s.count} | {s.language_accuracy:.2f} | {s.accuracy:.2f} "
            f"| {s.macro_f1:.2f} | {s.emotion_f1:.2f} | {s.topic_precision:.2f} "
            f"| {s.topic_recall:.2f} |"
        )
    lines.append(f"\nmean CPU per verbatim: {cpu_ms:.3f} ms (goal ≤ {GOAL_CPU_MS} ms)\n")
    for (split, language), s in table.items():
        lines.append(f"confusion {split} {language} (rows: labelled, columns: read as)")
        lines.append("| | " + " | ".join(CLASSES) + " |")
        for gold in CLASSES:
            cells = " | ".join(str(s.confusion.get((gold, p), 0)) for p in CLASSES)
            lines.append(f"| {gold} | {cells} |")
        lines.append("")
    return "\n".join(lines)


def errors() -> str:
    """The dev split's misread sentiments and topics, for whoever tunes the lexicons."""
    warm()
    topics = taxonomy()
    out = []
    for item in load():
        if item["split"] != "dev":
            continue
        r = analyse(str(item["text"]), taxonomy=topics)
        got = sorted(t.id for t in r.topics)
        if r.sentiment_class != item["sentiment"] or got != sorted(item["topics"]):
            out.append(
                f"{item['id']} {item['sentiment']}→{r.sentiment_class} ({r.sentiment}) "
                f"topics {item['topics']}→{got} | {item['text']}"
            )
    return "\n".join(out)


async def verbatim_analysis(_bench: object) -> list[Row]:
    """The bench section: the figures against the goals, one row each."""
    table, cpu_ms = evaluate()
    rows = []
    for (split, language), s in table.items():
        name = f"verbatims {split} {language}"
        rows += [
            Row(
                f"{name}: sentiment macro-F1",
                f"{s.macro_f1:.2f}",
                f"≥ {GOAL_F1}",
                judge(s.macro_f1 >= GOAL_F1),
            ),
            Row(
                f"{name}: topic precision / recall",
                f"{s.topic_precision:.2f} / {s.topic_recall:.2f}",
                f"≥ {GOAL_PRECISION} / ≥ {GOAL_RECALL}",
                judge(s.topic_precision >= GOAL_PRECISION and s.topic_recall >= GOAL_RECALL),
            ),
            Row(f"{name}: emotion micro-F1", f"{s.emotion_f1:.2f}", "—", Verdict.INFO),
        ]
    rows.append(
        Row(
            "verbatim analysis CPU per verbatim",
            f"{cpu_ms:.3f} ms",
            f"≤ {GOAL_CPU_MS} ms",
            judge(cpu_ms <= GOAL_CPU_MS),
        )
    )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.verbatims", description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list the dev split's misreadings")
    args = parser.parse_args(argv)
    if args.errors:
        print(errors())
        return 0
    table, cpu_ms = evaluate()
    print(report(table, cpu_ms))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
