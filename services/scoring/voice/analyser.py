"""``analyse``: one verbatim in, its language, sentiment, emotions and topics out."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from services.scoring.voice.language import identify
from services.scoring.voice.lexicon import EMOTIONS, lexicon
from services.scoring.voice.rules import ASKING, ASKING_PAIRS, NOTHING_TO_SAY, THANKS
from services.scoring.voice.sentiment import Hit, Reading, read, read_irony, score
from services.scoring.voice.text import Token, fold, normalise, tokens
from services.scoring.voice.topics import Taxonomy, TopicMatch, felt

SentimentClass = Literal["negative", "neutral", "positive"]
# Class boundaries on the score; a single mild word ("bien", "retard") crosses them.
POSITIVE_FROM = 0.2
NEGATIVE_FROM = -0.2
EMOTION_FROM = 0.4  # confidence from which an emotion is reported
IRRITANT = -0.4  # the least complaint of a clause that reports a root cause
UNSAID = -0.5  # what a contrast implies after praise when the words after it judge nothing
_EMPTY = Taxonomy(())
_NOT_APPLICABLE = frozenset(("", "n/a", "na", "n.a", "nc", "nsp", "-", "/"))


@dataclass(frozen=True)
class Analysis:
    language: str  # "fr", "en" or "und"
    sentiment: float  # in [-1, 1]
    sentiment_class: SentimentClass
    emotions: dict[str, float]  # emotion → confidence in (0, 1], strongest first
    topics: tuple[TopicMatch, ...]
    mixed: bool  # clear praise and clear complaint in the same verbatim
    # the words read, in ``language`` (empty when the text was not tokenised): whoever
    # needs them again (``terms.terms_of``) does not tokenise the text a second time
    words: tuple[Token, ...] = field(default=(), repr=False, compare=False)


def analyse(text: str, language: str | None = None, taxonomy: Taxonomy | None = None) -> Analysis:
    """Read ``text``; ``language`` is a hint ("fr" or "en"), not the truth.

    Never raises on any string: control characters, emoji and right-to-left scripts are
    read as separators or ignored, and a very long text is cut (``text.MAX_CHARS``).
    """
    clean = normalise(text)
    if clean.strip(" .-/").lower() in _NOT_APPLICABLE:
        return Analysis("und", 0.0, "neutral", {}, (), False)
    lang = identify(clean, language)
    toks = tokens(clean, lang)
    if _nothing_to_say(toks):
        return Analysis(lang, 0.0, "neutral", {}, (), False, tuple(toks))
    reading = read(toks, lexicon(lang), lang)
    found = (taxonomy or _EMPTY).match(toks, reading, lang)
    _read_contrast(reading)
    _count_irritants(reading, found)
    read_irony(toks, reading, _irritant_clauses(found))
    _read_courtesy(toks, reading)
    value = round(score(reading), 3)
    # a topic's sentiment after the rules above: a root cause's clause complains at least as
    # much as an irritant even when it holds no opinion word
    topics = felt(found, reading)
    return Analysis(
        lang, value, classify(value), emotions(reading), topics, _mixed(reading), tuple(toks)
    )


def _count_irritants(reading: Reading, found: list[TopicMatch]) -> None:
    """A root cause is an irritant by definition: a clause that reports one complains at
    least as much as IRRITANT (weighed by its place around a contrast), whatever its words
    ("Twenty minutes of hold music", "The app closes by itself")."""
    for topic in found:
        if topic.kind != "root_cause":
            continue
        for clause in topic.clauses:
            least = IRRITANT * reading.contrast_weight(clause)
            said = sum(h.valence for h in reading.hits if h.clause == clause and h.valence < 0)
            if said > least:
                reading.hits.append(Hit(-1, clause, least - said, (), topic.id))


def _read_courtesy(toks: list[Token], reading: Reading) -> None:
    """Thanks that close a request or a question ("Je voudrais savoir si le modèle existe
    en noir. Merci", "Can you call me back? Thanks") are a courtesy, not gratitude: when
    they are all the verbatim's opinion, they count for nothing."""
    said = [h for h in reading.hits if h.valence]
    if not said or any(fold(h.term) not in THANKS or h.valence < 0 for h in said):
        return
    if any(t.text[0] == "?" for t in toks if not t.root) or _asks(toks):
        reading.hits.clear()


def _asks(toks: list[Token]) -> bool:
    words = [t.folded.rstrip("'") for t in toks if t.root]
    pairs = set(pairwise(words))
    return (
        any(w in ASKING for w in words)
        or bool(pairs & ASKING_PAIRS)
        or any(w in THANKS and nxt in ("de", "d") for w, nxt in pairs)
    )


def _irritant_clauses(found: list[TopicMatch]) -> frozenset[int]:
    return frozenset(c for topic in found if topic.kind == "root_cause" for c in topic.clauses)


def _read_contrast(reading: Reading) -> None:
    """Praise, then a contrast followed by words that judge nothing ("Bon conseiller, mais
    trois quarts d'heure pour l'avoir"): the contrast itself says the rest disappoints."""
    after = reading.contrast_clause
    if after is None or any(h.clause >= after for h in reading.hits):
        return
    if reading.words_in_clause.get(after, 0) >= 2 and sum(h.valence for h in reading.hits) > 0:
        reading.hits.append(Hit(-1, after, UNSAID * reading.contrast_weight(after), (), "but"))


def classify(value: float) -> SentimentClass:
    if value >= POSITIVE_FROM:
        return "positive"
    if value <= NEGATIVE_FROM:
        return "negative"
    return "neutral"


def emotions(reading: Reading) -> dict[str, float]:
    """Each emotion's confidence: independent pieces of evidence add up (1 − Π(1 − cᵢ)),
    each as strong as its word, intensifiers included."""
    doubt = dict.fromkeys(EMOTIONS, 1.0)
    for hit in reading.hits:
        for emotion in hit.emotions:
            doubt[emotion] *= 1 - min(0.95, 1.1 * abs(hit.valence))
    total = sum(h.valence for h in reading.hits)
    if total < -0.5 and (reading.exclamations >= 2 or reading.shouting):
        doubt["anger"] *= 0.6  # shouting about a complaint
    found = {e: round(1 - d, 2) for e, d in doubt.items() if 1 - d >= EMOTION_FROM}
    return dict(sorted(found.items(), key=lambda item: -item[1]))


def _mixed(reading: Reading) -> bool:
    praise = sum(h.valence for h in reading.hits if h.valence > 0)
    complaint = sum(h.valence for h in reading.hits if h.valence < 0)
    return praise >= 0.3 and complaint <= -0.3


def _nothing_to_say(toks: list[Token]) -> bool:
    words = [t.folded.rstrip("'") for t in toks if t.root]
    return (bool(words) and len(words) <= 4 and all(w in NOTHING_TO_SAY for w in words)) or (
        not words and not any(t.text[0] in "!?" for t in toks) and not any(t.root for t in toks)
    )
