"""The terms of a verbatim, for finding emerging irritants: its content words as lemmas
and the pairs of neighbouring ones ("code promo"), each once; and which of them the
taxonomy already covers. The test of a rising term is ``shared.emerging``."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from services.scoring.voice.text import Token, lemma_of, normalise, root, tokens
from services.scoring.voice.topics import NEGATION_WORDS, Taxonomy, content

MAX_TERMS = 60  # per verbatim: a long text is cut (its first terms count)
_MIN_LETTERS = 3


def terms_of(text: str, language: str, words: Sequence[Token] = ()) -> list[str]:
    """Unigrams and bigrams of lemmas, in order of first appearance, without negations,
    articles, prepositions and words under three letters; "und" is read as French.
    ``words``: the text already tokenised in ``language`` (``Analysis.words``), if it was."""
    lang = language if language in ("fr", "en") else "fr"
    toks = list(words) if words and lang == language else tokens(normalise(text), lang)
    lemmas = [
        lemma_of(t.text, lang)
        for t in content(toks, lang)
        if len(t.text) >= _MIN_LETTERS and t.folded.rstrip("'") not in NEGATION_WORDS
    ]
    pairs = (f"{a} {b}" for a, b in pairwise(lemmas))
    return list(dict.fromkeys([*lemmas, *pairs]))[:MAX_TERMS]


def covered(term: str, taxonomy: Taxonomy) -> bool:
    """Whether a taxonomy entry (root cause or touchpoint) already names a word of it."""
    return _named(term, taxonomy.roots())


def uncovered(terms: Sequence[str], taxonomy: Taxonomy) -> list[str]:
    """The ``terms`` no taxonomy entry covers (see ``covered``), in their order."""
    known = taxonomy.roots()
    words = {word for term in terms for word in term.split()}  # once each: pairs repeat lemmas
    named = {word for word in words if _named_word(word, known)}
    if not named:
        return list(terms)
    return [term for term in terms if named.isdisjoint(term.split())]


def _named(term: str, roots: frozenset[str]) -> bool:
    return any(_named_word(word, roots) for word in term.split())


def _named_word(word: str, roots: frozenset[str]) -> bool:
    # two tests, not a generator over the languages: once per word of every moment's words
    return root(word, "fr") in roots or root(word, "en") in roots
