"""Which language a verbatim is written in: French, English, or undetermined.

Counts the words that belong to one language only (function words and opinion words of
its lexicon). The caller's hint decides only when the text itself does not.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from services.scoring.voice.lexicon import lexicon
from services.scoring.voice.rules import FUNCTION_WORDS
from services.scoring.voice.text import fold, is_known

_WORD = re.compile(r"[^\W\d_]+")
_FR_ONLY = FUNCTION_WORDS["fr"] - FUNCTION_WORDS["en"]
_EN_ONLY = FUNCTION_WORDS["en"] - FUNCTION_WORDS["fr"]
_FR_LETTERS = frozenset("éèêàçùâîôûœë")
_WORDS_LOOKED_AT = 60


def identify(text: str, hint: str | None = None) -> str:
    """ "fr", "en" or "und" for the normalised ``text``; ``hint`` breaks a tie."""
    french, english = _evidence(text)
    if french == english:
        return hint if hint in ("fr", "en") else "und"
    return "fr" if french > english else "en"


def _evidence(text: str) -> tuple[float, float]:
    french = english = 0.0
    for word in _WORD.findall(text[:600]):
        for_french, for_english = _evidence_of(word)
        french += for_french
        english += for_english
        if french + english >= _WORDS_LOOKED_AT:
            break
    return french, english


@lru_cache(maxsize=65536)  # once per word of every text: most words come back
def _evidence_of(word: str) -> tuple[float, float]:
    """What one word says for French and for English: a word of one language only counts
    one, a French letter half."""
    french_only, english_only = _telling_words()
    lower = word.lower()
    folded = fold(lower)
    french = 1.0 if folded in french_only else 0.0
    english = 1.0 if folded not in french_only and folded in english_only else 0.0
    if not _FR_LETTERS.isdisjoint(lower):
        french += 0.5
    return french, english


@cache
def _telling_words() -> tuple[frozenset[str], frozenset[str]]:
    """The words of one language only, French then English: its own function words and
    the words of its lexicon that the other's lacks, but a French word whose spelling
    without accents is an English word (gathered once, the lexicons loaded)."""
    fr_words, en_words = lexicon("fr").spellings, lexicon("en").spellings
    unaccented = {  # "usé" written "use", an English word: no evidence of French
        fold(e.term)
        for e in lexicon("fr").words.values()
        if fold(e.term) != e.term and is_known(fold(e.term), "en")
    }
    return _FR_ONLY | (fr_words - en_words - unaccented), _EN_ONLY | (en_words - fr_words)
