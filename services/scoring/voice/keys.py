"""The keys a taxonomy keyword and a verbatim meet on, one per content word.

A keyword names an irritant in one wording; customers say it in many. Beyond the word's
root (``text.root``), its key makes these one:

- **negations of a verb**: "pas", "jamais", "aucun" are one key in French, "not" and
  "never" one in English; the auxiliary a negation hangs on is no key, nor is French
  "ne": "didn't arrive", "hasn't arrived", "never arrived" and "not arrived" are one
  phrase, and so are "n'est jamais arrivé" and "pas arrivé". "been" and "été" are no key
  either: "n'a pas été remboursé" meets "pas remboursé". "sans", "without", "no" and
  "plus" keep keys of their own: "sans prévenir" is not "pas prévenu" (the labelled set
  reads it as the other irritant's manner), "no show" is not "doesn't show", "ne marche
  plus" (it broke) is not "ne marche pas".
- **families**: the words of one family (``lexicons/families.txt``) share a key inside a
  keyword of two words or more, so a keyword written with one meets the others: "carte
  refusée" meets "CB rejetée", "the agent didn't know" meets "the engineer didn't know".
  A keyword of one word names the irritant by that word alone: "poireauter" does not
  make every "attendre" a long wait.

Typing slips are the taxonomy's to forgive (``topics.Taxonomy``): they depend on its words.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple

from services.scoring.voice.text import Token, root


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


NEGATION = "¬"
UNABLE = "¬able"  # "impossible de", "can't", "pas pu", "unable to", "not able to"
_FILE = Path(__file__).parent / "lexicons" / "families.txt"
_NEGATIONS = {
    "fr": _set("pas jamais aucun aucune guere"),
    "en": _set(
        "not never dont doesnt didnt isnt wasnt arent werent wont wouldnt shouldnt havent "
        "hasnt hadnt aint"
    ),
}
_UNABLE_WORDS = frozenset(("impossible", "incapable", "unable", "cannot", "cant", "couldnt"))
# with a negation beside them, one inability: "ne peux pas", "n'ai pas pu", "could not",
# "wasn't able", "pas été capable"; French "plus" too ("je ne peux plus")
_ABLE = {"fr": ("pouvoir", "peux", "pu", "capable"), "en": ("can", "could", "able")}
_POUVOIR = frozenset((root("pouvoir", "fr"), root("peux", "fr"), root("pu", "fr")))
_AFTER_ABLE = frozenset((NEGATION, "plus"))  # what follows an ability word to negate it
_RELATIVES = frozenset(("qui", "that", "which", "who"))  # "site qui ne marche pas"
_NE = frozenset(("ne", "n'"))
_CLITICS = _set("l' le la les m' me t' te s' se lui leur y en nous vous")
# Auxiliaries and modals, roots as ``text.root`` gives them: no key right after French
# "ne" ("n'est", "n'ai"), nor right before an English negation ("did not", "has never").
_FRENCH_AUXILIARIES = frozenset(("avoir", "etre", "a"))  # "a": "n'a", read as "à" too
_ENGLISH_AUXILIARIES = frozenset(
    ("be", "have", "do", "will", "would", "shall", "should", "may", "might")
)
_NO_KEY = frozenset(("ete", "been", "being"))
# Adverbs of time and degree that change nothing about which irritant is named: "not very
# clear" meets "not clear", "pas encore remboursé" meets "pas remboursé", "ne marche même
# pas" meets "ne marche pas".
FILLERS = frozenset(
    (
        *("encore", "meme", "tres", "vraiment"),
        *("yet", "ever", "even", "very", "really", "quite", "particularly"),
    )
)


def keys(toks: Sequence[Token], language: str, skip: frozenset[str]) -> list[tuple[int, str]]:
    """(token position, key) of the words of ``toks`` that a keyword is matched on, in
    order; ``skip``: the words that never count (articles, prepositions, conjunctions)."""
    words = _words(language)
    found: list[tuple[int, str]] = []
    for i, token in enumerate(toks):
        word = token.folded.rstrip("'") if token.root else ""
        if not word or word in skip or word in words.no_key:
            continue
        if token.root in words.auxiliaries and _hangs_on_negation(toks, i, words.languages):
            continue
        if word in _UNABLE_WORDS:
            key = UNABLE
        elif word in words.negations:
            key = NEGATION
        else:
            key = words.families.get(token.root, token.root)
        if (
            found
            and (key in words.able or key in _AFTER_ABLE)
            and _unable(found[-1][1], key, words.able)
        ):
            found[-1] = (found[-1][0], UNABLE)
        else:
            found.append((i, key))
    return found


class _Words(NamedTuple):
    """What ``keys`` looks for in one language ("und": both), gathered once."""

    languages: tuple[str, ...]
    negations: frozenset[str]
    no_key: frozenset[str]  # fillers, "been", relatives, French "ne"
    auxiliaries: frozenset[str]
    able: frozenset[str]
    families: dict[str, str]


@cache
def _words(language: str) -> _Words:
    languages = ("fr", "en") if language not in _NEGATIONS else (language,)
    return _Words(
        languages,
        frozenset().union(*(_NEGATIONS[lang] for lang in languages)),
        FILLERS | _NO_KEY | _RELATIVES | {"ne", "n"},
        (_FRENCH_AUXILIARIES if "fr" in languages else frozenset())
        | (_ENGLISH_AUXILIARIES if "en" in languages else frozenset()),
        frozenset(root(word, lang) for lang in languages for word in _ABLE[lang]),
        families(language),
    )


def _unable(first: str, second: str, able: frozenset[str]) -> bool:
    if first == NEGATION:
        return second in able
    return first in able and (second == NEGATION or (second == "plus" and first in _POUVOIR))


def _hangs_on_negation(toks: Sequence[Token], i: int, languages: Sequence[str]) -> bool:
    """An auxiliary right after French "ne" ("n'est", "n'ai"), or right before an English
    negation, fillers aside ("did not", "have never", "has not even")."""
    token = toks[i]
    if "fr" in languages and token.root in _FRENCH_AUXILIARIES:
        before = i - 1
        while before >= 0 and toks[before].folded in _CLITICS:  # "ne l'ai", "n'en ai"
            before -= 1
        if before >= 0 and toks[before].folded in _NE:
            return True
    if "en" in languages and token.root in _ENGLISH_AUXILIARIES:
        for after in toks[i + 1 : i + 3]:
            if after.folded in _NEGATIONS["en"]:
                return True
            if after.folded not in FILLERS:
                return False
    return False


@cache
def families(language: str) -> dict[str, str]:
    """Each family word's root → the root of its family's first word, for ``language``
    ("und": both, French first)."""
    if language not in ("fr", "en"):
        return families("en") | families("fr")
    found: dict[str, str] = {}
    for line in _FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        lang, _, words = (part.strip() for part in line.partition("|"))
        if lang == language:
            roots = [root(w, language) for w in words.split()]
            for r in roots:
                found.setdefault(r, roots[0])
    return found
