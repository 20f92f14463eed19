"""Irritant topics: the committee's taxonomy, compiled to keys, matched in a verbatim.

A keyword matches when its words' keys (``keys``: roots, one key for every negation, one
for each family of words) appear in order, at most two other words apart in all
("livraison très en retard" matches "livraison en retard"); a keyword of two words also
in the other order ("attente très longue" matches "longue attente"). A word the
dictionary does not know that is one typing slip (a letter missing, extra, wrong or
swapped) from a keyword's word of five letters or more counts as that word
("rembousement", "recieved"). A match inside a negation ("aucun retard", "no wait at
all", "sans frais cachés") is no irritant and is dropped, unless the keyword holds the
negation itself ("jamais reçu"). Where a longer keyword of one topic spans the words of a
shorter one of another, the longer names the irritant: "payment didn't arrive" is a
failed payment, not the late delivery that "didn't arrive" names alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from services.scoring.voice.keys import NEGATION, UNABLE, families, keys
from services.scoring.voice.rules import KEYWORD_SKIP, NE_PARTICLES, NEGATORS
from services.scoring.voice.sentiment import Reading
from services.scoring.voice.text import Token, fold, is_known, normalise, root, tokens

TopicKind = Literal["root_cause", "touchpoint"]
_GAP = 2
_MIN_TYPO = 5  # shorter words have too many neighbours one slip away
_STILL = frozenset((root("toujours", "fr"), root("still", "en")))  # a tight keyword steps over
_MIN_REVERSIBLE = 4  # letters of each word of a keyword matched in either order
# verbs that say little without their object: a keyword holding one keeps its order
_LIGHT_VERBS = frozenset(("avoir", "etre", "faire", "have", "be", "do", "get", "make", "take"))
NEGATION_WORDS = NEGATORS["fr"] | NEGATORS["en"] | NE_PARTICLES | {"ne", "n"}
_NEGATION_WORDS = NEGATION_WORDS
_NEGATORS = NEGATORS["fr"] | NEGATORS["en"]
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
    keys: tuple[str, ...]
    negative: bool  # holds a negation itself (an inability included)
    tight: bool  # holds a negation ("pas reçu"): its words stand together, no word between
    needs: frozenset[str]  # its keys as a set: a text that lacks one cannot match it


@dataclass(frozen=True)
class _Hit:
    topic: Topic
    start: int  # token positions of its first and last words
    end: int
    size: int  # how many words the keyword names
    negative: bool  # the keyword holds a negation: none around it drops it


@dataclass(frozen=True)
class TopicMatch:
    id: str
    kind: TopicKind
    terms: tuple[str, ...]  # the text's words that matched
    clauses: tuple[int, ...] = ()  # where in the text (clause numbers of the reading)
    # the summed valence of its clauses, once the analysis has read them whole (``felt``)
    sentiment: float = 0.0


class Taxonomy:
    """Topics compiled for matching; build once per taxonomy, use for many texts."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = tuple(topics)
        self._order = {t.id: k for k, t in enumerate(self.topics)}
        # keywords of two words or more by their first key; of one word, by its root
        self._by_first: dict[str, dict[str, list[_Keyword]]] = {"fr": {}, "en": {}}
        self._by_root: dict[str, dict[str, list[_Keyword]]] = {"fr": {}, "en": {}}
        # the keywords' words as (key, root), and as typed with one slip: spelling or
        # spelling less a letter → (key, root, spelling)
        self._words: dict[str, set[tuple[str, str]]] = {"fr": set(), "en": set()}
        self._slips: dict[str, dict[str, tuple[str, str, str]]] = {"fr": {}, "en": {}}
        for topic in self.topics:
            for language, phrases in topic.keywords.items():
                if language in self._by_first:
                    for phrase in phrases:
                        # also as written without accents, which may lemmatise elsewhere
                        for spelling in dict.fromkeys((phrase, fold(phrase))):
                            self._compile(topic, language, spelling)
        # the roots the keywords are written with, per language ("und": both)
        self._own = {
            lang: frozenset(own for _, own in words) for lang, words in self._words.items()
        }
        self._own["und"] = self._own["fr"] | self._own["en"]
        # asked for every stored verbatim (its uncovered terms): gathered once; a family's
        # words are named by a keyword that names one of them
        named = {key for words in self._words.values() for key, _ in words}
        self._roots = frozenset(own for words in self._words.values() for _, own in words) | {
            word
            for language in ("fr", "en")
            for word, family in families(language).items()
            if family in named
        }

    def _compile(self, topic: Topic, language: str, phrase: str) -> None:
        """Indexes ``phrase`` (two words side by side also the other way round)."""
        toks = tokens(normalise(phrase), language)
        found = keys(toks, language, _SKIP[language])
        if not found or all(k in (NEGATION, UNABLE) for _, k in found):
            return
        negators = [toks[i].folded.rstrip("'") in _NEGATION_WORDS for i, _ in found]
        negative = any(negators) or any(k in (NEGATION, UNABLE) for _, k in found)
        tight = any(
            k == NEGATION or (n and k != UNABLE) for (_, k), n in zip(found, negators, strict=True)
        )
        order = tuple(k for _, k in found)
        if len(order) == 1:  # a word alone: itself, not its family
            own = toks[found[0][0]].root
            _add(self._by_root[language], _Keyword(topic, (own,), negative, tight, frozenset()))
        else:
            _add(
                self._by_first[language], _Keyword(topic, order, negative, tight, frozenset(order))
            )
            if _reversible(toks, found, negative):  # "longue attente", "attente longue"
                back = order[::-1]
                _add(self._by_first[language], _Keyword(topic, back, False, False, frozenset(back)))
        for i, key in found:
            spelling = toks[i].folded
            self._words[language].add((key, toks[i].root))
            if len(spelling) >= _MIN_TYPO and spelling.isalpha():
                for variant in (spelling, *_deletions(spelling)):
                    self._slips[language].setdefault(variant, (key, toks[i].root, spelling))

    def roots(self) -> frozenset[str]:
        """Every root its keywords are made of, in either language, and the roots of the
        words of their families (``keys``)."""
        return self._roots

    def match(self, toks: list[Token], reading: Reading, language: str) -> list[TopicMatch]:
        """The topics mentioned in ``toks`` (analysed in ``language``), in taxonomy order,
        with the clauses they are in; their sentiment is ``felt`` once the rules that follow
        matching have added to those clauses."""
        by_topic: dict[str, tuple[Topic, list[str], set[int]]] = {}
        for hit in _most_specific(self._hits(toks, reading, language)):
            _, terms, clauses = by_topic.setdefault(hit.topic.id, (hit.topic, [], set()))
            terms.append(" ".join(t.text for t in toks[hit.start : hit.end + 1]))
            clauses.add(reading.clause_of[hit.start])
        return [
            TopicMatch(
                topic.id,
                topic.kind,
                tuple(dict.fromkeys(terms)),
                tuple(sorted(clauses)),
            )
            for topic, terms, clauses in sorted(
                by_topic.values(), key=lambda f: self._order[f[0].id]
            )
        ]

    def _hits(self, toks: list[Token], reading: Reading, language: str) -> list[_Hit]:
        """Every keyword that ``toks`` holds, where."""
        languages = ("fr", "en") if language == "und" else (language,)
        held = self._own.get(language, self._own["und"])
        read = [
            (i, key, toks[i].root)
            if len(toks[i].folded) < _MIN_TYPO or toks[i].root in held
            else self._forgive(toks[i], i, key, languages)
            for i, key in keys(toks, language, _SKIP.get(language, _SKIP_EITHER))
        ]
        positions = [i for i, _, _ in read]
        text_keys = [k for _, k, _ in read]
        present = set(text_keys)
        hits: list[_Hit] = []
        for n, (i, key, own) in enumerate(read):
            for lang in languages:
                for keyword in self._by_first[lang].get(key, ()):
                    if keyword.needs <= present:  # most keywords: no walk needed
                        gap = 0 if keyword.tight else _GAP
                        end = _span(text_keys, positions, n, keyword.keys, gap, reading.clause_of)
                        if end is not None:
                            hits.append(
                                _Hit(keyword.topic, i, end, len(keyword.keys), keyword.negative)
                            )
                for keyword in self._by_root[lang].get(own, ()):
                    hits.append(_Hit(keyword.topic, i, i, 1, keyword.negative))
        return [
            hit for hit in hits if hit.negative or not _negated(toks, positions, hit.start, reading)
        ]

    def _forgive(
        self, token: Token, i: int, key: str, languages: Sequence[str]
    ) -> tuple[int, str, str]:
        """(``i``, key, root) of the keyword word ``token`` is a typing slip of, or its own;
        for a word of five letters or more that no keyword holds."""
        spelling = token.folded
        if not spelling.isalpha() or any(is_known(token.text, lang) for lang in languages):
            return i, key, token.root
        for lang in languages:
            slips = self._slips[lang]
            for variant in (spelling, *_deletions(spelling)):
                slip = slips.get(variant)
                if slip is not None and slip[2][0] == spelling[0]:  # a first letter: seldom
                    return i, slip[0], slip[1]
        return i, key, token.root


def felt(found: Sequence[TopicMatch], reading: Reading) -> tuple[TopicMatch, ...]:
    """``found``, each topic with the summed valence of its clauses in ``reading``, held
    within [-1, 1] as every sentiment is (two praises in one clause sum past 1)."""
    return tuple(
        replace(topic, sentiment=_within_one(sum(reading.clause_valence(c) for c in topic.clauses)))
        for topic in found
    )


def _within_one(value: float) -> float:
    return round(max(-1.0, min(1.0, value)), 3)


def _most_specific(hits: list[_Hit]) -> list[_Hit]:
    """``hits`` but those that a longer keyword of another topic spans: "payment didn't
    arrive" is a failed payment, not the late delivery "didn't arrive" names alone."""
    return [
        hit
        for hit in hits
        if not any(
            other.topic.id != hit.topic.id
            and other.size > hit.size
            and other.start <= hit.start
            and hit.end <= other.end
            for other in hits
        )
    ]


def _add(index: dict[str, list[_Keyword]], keyword: _Keyword) -> None:
    keywords = index.setdefault(keyword.keys[0], [])
    if keyword not in keywords:
        keywords.append(keyword)


def _reversible(toks: list[Token], found: list[tuple[int, str]], negative: bool) -> bool:
    """Two words side by side that name the irritant in either order ("colis perdu",
    "perdu mon colis"; "long wait", "the wait was long"): not a negation, nor a phrase
    whose link word, short word or light verb carries the order ("délai de livraison" is
    no "livraison dans les délais", "transferred me" no "I ... transfer", "avoir
    quelqu'un" no "quelqu'un avait")."""
    if len(found) != 2 or negative:
        return False
    (first, _), (second, _) = found
    return (
        second == first + 1
        and all(len(toks[i].folded) >= _MIN_REVERSIBLE for i, _ in found)
        and all(toks[i].root not in _LIGHT_VERBS for i, _ in found)
    )


def content(toks: list[Token], language: str) -> list[Token]:
    """The tokens that matter for matching: all words but articles, prepositions and
    conjunctions (``rules.KEYWORD_SKIP``)."""
    return [t for t in toks if t.root and not _skipped(t, language)]


def _skipped(token: Token, language: str) -> bool:
    return token.folded.rstrip("'") in _SKIP.get(language, _SKIP_EITHER)


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def _negated(toks: list[Token], positions: list[int], i: int, reading: Reading) -> bool:
    """Whether the word at token ``i`` lies in a negation: in the reading's scope of one,
    or right after a negator of its clause ("sans frais cachés", "no hidden fees")."""
    if i in reading.negated:
        return True
    n = positions.index(i)
    if n == 0:
        return False
    before = positions[n - 1]
    return toks[before].folded in _NEGATORS and reading.clause_of[before] == reading.clause_of[i]


def _span(
    text_keys: list[str],
    positions: list[int],
    n: int,
    wanted: tuple[str, ...],
    gap: int,
    clause_of: list[int],
) -> int | None:
    """The token index where ``wanted`` ends when it starts at key ``n`` and stays in its
    clause, with at most ``gap`` other keys in between; with no gap, a "toujours" or
    "still" may stand between ("n'apparaît toujours pas" meets "n'apparaît pas")."""
    k, last, room = 1, positions[n], gap or 1
    for m in range(n + 1, len(positions)):
        if k == len(wanted) or clause_of[positions[m]] != clause_of[positions[n]]:
            break
        if text_keys[m] == wanted[k]:
            k, last = k + 1, positions[m]
        elif room and (gap or text_keys[m] in _STILL):
            room -= 1
        else:
            break
    return last if k == len(wanted) else None
