"""The terms of a verbatim, for finding emerging irritants: its content words as lemmas
and the pairs of neighbouring ones ("code promo"), each once; and the test that tells a
term rising against its baseline (Dunning's log-likelihood G²)."""

from __future__ import annotations

import math
from itertools import pairwise

from services.scoring.voice.text import fold, lemma_of, normalise, root, tokens
from services.scoring.voice.topics import NEGATION_WORDS, Taxonomy, content

MAX_TERMS = 60  # per verbatim: a long text is cut (its first terms count)
_MIN_LETTERS = 3


def terms_of(text: str, language: str) -> list[str]:
    """Unigrams and bigrams of lemmas, in order of first appearance, without negations,
    articles, prepositions and words under three letters; "und" is read as French."""
    lang = language if language in ("fr", "en") else "fr"
    words = [
        lemma_of(t.text, lang)
        for t in content(tokens(normalise(text), lang), lang)
        if len(t.text) >= _MIN_LETTERS and fold(t.text).rstrip("'") not in NEGATION_WORDS
    ]
    pairs = (f"{a} {b}" for a, b in pairwise(words))
    return list(dict.fromkeys([*words, *pairs]))[:MAX_TERMS]


def covered(term: str, taxonomy: Taxonomy) -> bool:
    """Whether a taxonomy entry (root cause or touchpoint) already names a word of it."""
    known = taxonomy.roots()
    return any(root(word, lang) in known for word in term.split() for lang in ("fr", "en"))


def log_likelihood(recent: int, recent_total: int, base: int, base_total: int) -> float:
    """G² of the 2×2 table (verbatims with the term / without it) × (recent / baseline);
    0 when either period has no verbatim."""
    if recent_total == 0 or base_total == 0:
        return 0.0
    total, with_term = recent_total + base_total, recent + base
    cells = (
        (recent, recent_total, with_term),
        (recent_total - recent, recent_total, total - with_term),
        (base, base_total, with_term),
        (base_total - base, base_total, total - with_term),
    )
    return 2.0 * sum(o * math.log(o * total / (row * col)) for o, row, col in cells if o > 0)


def rising(recent: int, recent_total: int, base: int, base_total: int) -> bool:
    """More frequent in the recent period than in the baseline (a term never seen before
    is rising)."""
    return recent * base_total > base * recent_total
