"""Irritant topics: the committee's taxonomy, compiled to roots, matched in a verbatim.

A keyword matches when its content words appear in order, at most two other content
words apart in all ("livraison très en retard" matches "livraison en retard"). A few adverbs
("encore", "yet", "ever", "even") are skipped on both sides: "pas encore remboursé" matches
"pas remboursé". A match inside a negation ("aucun retard", "no wait at
all") is no irritant and is dropped, unless the keyword holds the negation itself
("jamais reçu").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from services.scoring.voice.rules import KEYWORD_SKIP, NE_PARTICLES, NEGATORS
from services.scoring.voice.sentiment import Reading
from services.scoring.voice.text import Token, fold, normalise, tokens

TopicKind = Literal["root_cause", "touchpoint"]
_GAP = 2
NEGATION_WORDS = NEGATORS["fr"] | NEGATORS["en"] | NE_PARTICLES | {"ne", "n"}
_NEGATION_WORDS = NEGATION_WORDS
# Adverbs of time and degree that change nothing about which irritant is named: skipped
# on both sides, so "not very clear" meets "not clear" and "pas encore remboursé" meets
# "pas remboursé".
_FILLERS = frozenset(
    ("encore", "yet", "ever", "even", "very", "really", "quite", "particularly", "tres", "vraiment")
)
# What a keyword skips in each language ("und": either), a negation never.
_SKIP = {language: words - _NEGATION_WORDS for language, words in KEYWORD_SKIP.items()}
_SKIP_EITHER = (KEYWORD_SKIP["fr"] | KEYWORD_SKIP["en"]) - _NEGATION_WORDS


@dataclass(frozen=True)
class Topic:
    id: str
    kind: TopicKind
    keywords: Mapping[str, Sequence[str]]  # language → words or phrases


@dataclass(frozen=True)
class _Keyword:
    topic: Topic
    roots: tuple[str, ...]
    negative: bool  # holds a negation itself
    needs: frozenset[str]  # its roots as a set: a text that lacks one cannot match it


@dataclass(frozen=True)
class TopicMatch:
    id: str
    kind: TopicKind
    terms: tuple[str, ...]  # the text's words that matched
    sentiment: float  # the summed valence of the clauses it was found in
    clauses: tuple[int, ...] = ()  # where in the text (clause numbers of the reading)


class Taxonomy:
    """Topics compiled for matching; build once per taxonomy, use for many texts."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = tuple(topics)
        self._order = {t.id: k for k, t in enumerate(self.topics)}
        self._by_first: dict[str, dict[str, list[_Keyword]]] = {"fr": {}, "en": {}}
        for topic in self.topics:
            for language, phrases in topic.keywords.items():
                if language in self._by_first:
                    for phrase in phrases:
                        # also as written without accents, which may lemmatise elsewhere
                        for spelling in dict.fromkeys((phrase, fold(phrase))):
                            self._compile(topic, language, spelling)
        # asked for every stored verbatim (its uncovered terms): gathered once
        self._roots = frozenset(
            r
            for index in self._by_first.values()
            for ks in index.values()
            for k in ks
            for r in k.roots
        )

    def _compile(self, topic: Topic, language: str, phrase: str) -> None:
        words = _matchable(tokens(normalise(phrase), language), language)
        negations = [t.folded.rstrip("'") in _NEGATION_WORDS for t in words]
        if words and not all(negations):
            roots = tuple(t.root for t in words)
            negative = any(negations)
            index = self._by_first[language].setdefault(roots[0], [])
            keyword = _Keyword(topic, roots, negative, frozenset(roots))
            if keyword not in index:
                index.append(keyword)

    def roots(self) -> frozenset[str]:
        """Every root its keywords are made of, in either language."""
        return self._roots

    def match(self, toks: list[Token], reading: Reading, language: str) -> list[TopicMatch]:
        """The topics mentioned in ``toks`` (analysed in ``language``), in taxonomy order."""
        positions = [
            i
            for i, t in enumerate(toks)
            if t.root and not _skipped(t, language) and t.folded not in _FILLERS
        ]
        present = {toks[i].root for i in positions}
        found: dict[str, tuple[Topic, list[str], set[int]]] = {}
        languages = ("fr", "en") if language == "und" else (language,)
        for n, i in enumerate(positions):
            for lang in languages:
                for keyword in self._by_first[lang].get(toks[i].root, ()):
                    if not keyword.needs <= present:  # most keywords: no walk needed
                        continue
                    gap = 0 if keyword.negative else _GAP
                    end = _span(toks, positions, n, keyword.roots, gap, reading.clause_of)
                    if end is None or (i in reading.negated and not keyword.negative):
                        continue
                    _, terms, clauses = found.setdefault(
                        keyword.topic.id, (keyword.topic, [], set())
                    )
                    terms.append(" ".join(t.text for t in toks[i : end + 1]))
                    clauses.add(reading.clause_of[i])
        return [
            TopicMatch(
                topic.id,
                topic.kind,
                tuple(dict.fromkeys(terms)),
                round(sum(reading.clause_valence(c) for c in clauses), 3),
                tuple(sorted(clauses)),
            )
            for topic, terms, clauses in sorted(found.values(), key=lambda f: self._order[f[0].id])
        ]


def content(toks: list[Token], language: str) -> list[Token]:
    """The tokens that matter for matching: all words but articles, prepositions and
    conjunctions (``rules.KEYWORD_SKIP``)."""
    return [t for t in toks if t.root and not _skipped(t, language)]


def _matchable(toks: list[Token], language: str) -> list[Token]:
    return [t for t in content(toks, language) if t.folded not in _FILLERS]


def _skipped(token: Token, language: str) -> bool:
    return token.folded.rstrip("'") in _SKIP.get(language, _SKIP_EITHER)


def _span(
    toks: list[Token],
    positions: list[int],
    n: int,
    roots: tuple[str, ...],
    gap: int,
    clause_of: list[int],
) -> int | None:
    """The token index where ``roots`` ends when it starts at content word ``n`` and
    stays in its clause, with at most ``gap`` other content words in between."""
    k, last = 1, positions[n]
    for m in range(n + 1, min(len(positions), n + len(roots) + gap)):
        if k == len(roots) or clause_of[positions[m]] != clause_of[positions[n]]:
            break
        if toks[positions[m]].root == roots[k]:
            k, last = k + 1, positions[m]
    return last if k == len(roots) else None
