"""From raw text to tokens: normalisation, tokenisation and each word's matching root.

A root is the word's lemma (simplemma) without accents, then without its inflectional or
derivational ending, so "livraisons", "livré" and "livreur" share the root of
"livraison", and "déçue" and "decue" the root of "déçu". Lexicon entries and taxonomy
keywords go through the same function, so they meet the text's words on roots.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import simplemma

from services.scoring.voice.spelling import american

# Beyond these, a verbatim is cut: the analysis cost stays bounded for any input.
MAX_CHARS = 5000
MAX_TOKENS = 600
MAX_WORD = 40

_APOSTROPHES = re.compile("[’‘`´ʼ]")  # each read as "'" (a regex: str.translate is slower)
# A word (letters, with an inner hyphen or apostrophe), a run of "!" or "?", an ellipsis,
# a clause break, or an emoticon. Everything else separates tokens.
_TOKEN = re.compile(
    r"[:;]-?[()DdPp](?!\w)|<3"
    r"|[^\W\d_]+(?:'(?=[^\W\d_]))?"
    r"|\d+(?:[.,]\d+)?"
    r"|!+|\?+|\.{2,}|…"
    r"|[.;:,()/\n]"
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF]"
)
_NOT = re.compile(r"n't\b", re.IGNORECASE)  # "don't" → "do not": one negator to find
_IRREGULAR_NOT = re.compile(r"\b(can|won|shan)'t\b", re.IGNORECASE)
# the same contractions typed without their apostrophe ("dont", "wasnt", "cant")
_BARE_NOT = re.compile(
    r"\b(do|does|did|is|was|are|were|could|would|should|have|has|had|ca|wo)nt\b", re.IGNORECASE
)
_REPEATS = re.compile(r"(.)\1{2,}")

# Endings that derive one word of a family from another (livraison, livrer, livreur) or
# inflect a verb; a bare "e" or "s" is not among them ("livre" is not "livrer").
SUFFIXES = {
    "fr": (
        "issements",
        "issement",
        "ements",
        "ement",
        "ations",
        "ation",
        "aisons",
        "aison",
        "euses",
        "euse",
        "eurs",
        "eur",
        "rices",
        "rice",
        "ees",
        "ee",
        "ers",
        "er",
        "ir",
        "re",
    ),
    "en": ("ations", "ation", "ments", "ment", "eries", "ery", "ings", "ing", "ers", "er", "ed"),
}
# Inflections stripped only from a word the dictionary does not know, most often one
# written without its accents ("decue" for "déçue").
INFLECTIONS = {"fr": ("ees", "ee", "es", "e", "s", "x"), "en": ("es", "s")}
_MIN_ROOT = 4
# Written without accents these French words are read two ways; one root for both keeps
# "rien a dire" the phrase "rien à dire".
_AMBIGUOUS = {"a": "a", "à": "a"}
_OPENING, _CLOSING = frozenset('"«“'), frozenset('"»”')
_QUOTES = _OPENING | _CLOSING | {"'"}
# Words the lemmatiser reads as another that they do not mean: "two days later" and "the
# latest update" are no lateness.
OWN_ROOT = {"en": frozenset(("later", "latest"))}
# Units written short after a number ("2h d'attente", "45 min"), read as the full word.
UNITS = {
    "fr": {"h": "heures", "min": "minutes", "mn": "minutes", "j": "jours", "sem": "semaines"},
    "en": {"h": "hours", "hr": "hours", "hrs": "hours", "min": "minutes", "mins": "minutes"},
}
# Words as customers type them in a hurry, read as the word they stand for.
SHORTHAND = {
    "fr": {
        "tjrs": "toujours",
        "tjs": "toujours",
        "pa": "pas",
        "pr": "pour",
        "ds": "dans",
        "bcp": "beaucoup",
        "pb": "problème",
        "pbm": "problème",
        "pbs": "problèmes",
        "koi": "quoi",
        "pk": "pourquoi",
        "pq": "pourquoi",
        "qd": "quand",
        "rdv": "rendez-vous",
        "tel": "téléphone",
        "msg": "message",
    },
    "en": {
        "u": "you",
        "ur": "your",
        "pls": "please",
        "plz": "please",
        "thx": "thanks",
        "ty": "thanks",
        "msg": "message",
        "ppl": "people",
        "probs": "problems",
        "prob": "problem",
    },
}
# Every number has this root, so lexicon phrases can say "depuis 3 jours" for any count.
NUMBER = "#"
# "une heure", "a week", "quelques jours", "a few days": a stretch of time with its count
# written as an article or a quantifier; the article is read as a number.
SPANS = frozenset(
    (
        *("minute", "minutes", "heure", "heures", "jour", "jours", "semaine", "semaines"),
        *("mois", "an", "ans", "annee", "annees", "quart", "quarts"),
        *("hour", "hours", "day", "days", "week", "weeks", "month", "months", "year", "years"),
        "fortnight",
    )
)
ONE = frozenset(("un", "une", "a", "an", "quelques", "few"))
NUMBER_WORDS = frozenset(
    [
        "deux",
        "trois",
        "quatre",
        "cinq",
        "six",
        "sept",
        "huit",
        "neuf",
        "dix",
        "onze",
        "douze",
        "quinze",
        "vingt",
        "trente",
        "quarante",
        "cinquante",
        "soixante",
        "cent",
        "plusieurs",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "hundred",
        "several",
    ]
)


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # lower-cased, accents kept
    root: str  # the matching key ("" for punctuation and numbers)
    upper: bool  # written in capitals (emphasis), for words of three letters or more
    quoted: bool = False  # a single word in quotation marks: « rapide », 'fast'
    # ``fold(text)``, which the rules look up many times a token: folded once, here
    folded: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded", fold(self.text))


def normalise(text: str) -> str:
    """NFKC, no control characters, one kind of apostrophe, bounded length."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])[:MAX_CHARS]
    text = _APOSTROPHES.sub("'", text)
    # the contractions' patterns ignore case, which makes them try every position: each
    # runs only on a text that holds what it needs (an apostrophe; "nt" in any case)
    if "'" in text:
        text = _NOT.sub(" not", _IRREGULAR_NOT.sub(_unfold_not, text))
    if "nt" in text.lower():
        text = _BARE_NOT.sub(_unfold_bare, text)
    if text.isprintable():  # most texts: no character to look at one by one
        return text
    return "".join(c if c.isprintable() or c == "\n" else " " for c in text)


def tokens(text: str, language: str) -> list[Token]:
    """The words and meaningful marks of ``text`` (already normalised), at most MAX_TOKENS."""
    found: list[Token] = []
    units = UNITS.get(language, UNITS["fr"])
    shorthand = SHORTHAND.get(language) or SHORTHAND["fr"] | SHORTHAND["en"]
    marks = not _QUOTES.isdisjoint(text)  # without any, no word is quoted
    for match in _TOKEN.finditer(text):
        raw = match.group()
        lower = raw[:MAX_WORD].lower()  # no word is longer: a longer run is noise
        lower = shorthand.get(lower, lower)
        if found and found[-1].text in ONE and _one_span(found, lower):  # "une heure"
            found[-1] = Token(found[-1].text, NUMBER, False)
        if lower[0].isdigit() or lower in NUMBER_WORDS:
            found.append(_number(lower))
        elif lower in units and found and found[-1].root == NUMBER:  # "2h", "45 min"
            found.append(Token(lower, root(units[lower], language), False))
        elif lower[0].isalpha():
            upper = raw.isupper() and len(raw) > 2
            quoted = marks and _quoted(text, match.start(), match.end())
            found.append(_word(lower, language, upper, quoted))
        else:
            found.append(_mark(lower))
        if len(found) >= MAX_TOKENS:
            break
    return found


# Tokens are immutable, so a word, number or mark read again is the token built the first
# time: building one (a frozen dataclass, its root, its folded spelling) costs several
# times the lookup, once per token of every text.
@lru_cache(maxsize=131072)
def _word(word: str, language: str, upper: bool, quoted: bool) -> Token:
    return Token(word, root(word, language), upper, quoted)


@lru_cache(maxsize=4096)
def _number(text: str) -> Token:
    return Token(text, NUMBER, False)


@lru_cache(maxsize=4096)
def _mark(text: str) -> Token:
    return Token(text, text if _is_symbol(text) else "", False)


def _one_span(found: list[Token], word: str) -> bool:
    """Whether ``word`` is a unit of time whose count is the article before it ("une
    heure"), not a rate ("£40 a month")."""
    if fold(word) not in SPANS:
        return False
    return len(found) < 2 or found[-2].root != NUMBER


def _quoted(text: str, start: int, end: int) -> bool:
    """Whether the word at ``text[start:end]`` stands alone between quotation marks."""
    before = text[max(0, start - 2) : start]
    # asked for every word of a text with an apostrophe (most French ones): a word with
    # no mark just before it is not quoted, whatever follows it
    if _QUOTES.isdisjoint(before):
        return False
    before = before.rstrip(" \u00a0\u202f")[-1:]
    after = text[end : end + 2].lstrip(" \u00a0\u202f")[:1]
    if before in _OPENING and after in _CLOSING:
        return True
    edge_before = start < 2 or not text[start - 2].isalnum()
    edge_after = end + 1 >= len(text) or not text[end + 1].isalnum()
    apostrophes = start > 0 and text[start - 1] == "'" == text[end : end + 1]
    return apostrophes and edge_before and edge_after


def _unfold_not(match: re.Match[str]) -> str:
    verb = match.group(1).lower()
    return {"can": "can not", "won": "will not", "shan": "shall not"}[verb]


def _unfold_bare(match: re.Match[str]) -> str:
    verb = match.group(1)
    return {"ca": "can", "wo": "will"}.get(verb.lower(), verb) + " not"


def _is_symbol(mark: str) -> bool:
    """An emoji or emoticon: it carries sentiment, unlike punctuation."""
    return mark[0] >= "\u2600" or mark == "<3" or (len(mark) > 1 and mark[0] in ":;")


@lru_cache(maxsize=65536)  # called for most words of every text: one call, no wrapper
def fold(word: str) -> str:
    """The word without accents: "déçue" → "decue"."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("œ", "oe")


@lru_cache(maxsize=131072)
def root(word: str, language: str) -> str:
    """The matching key of a lower-case word in ``language`` ("fr", "en" or "und")."""
    word = _REPEATS.sub(r"\1\1", word[:MAX_WORD]).rstrip("'")
    if not word:
        return ""
    if word in _AMBIGUOUS:
        return _AMBIGUOUS[word]
    if word in OWN_ROOT.get(language, ()):
        return word
    lemma = lemma_of(word, language)
    if lemma != word:  # "reçue" → "reçu" → "recevoir": one lemma for the whole family
        lemma = lemma_of(lemma, language)
    folded = fold(lemma)
    if language == "en":  # "cancelled" and "canceled", "colour" and "color": one root
        folded = american(folded)
    if lemma == word and not is_known(word, language):
        folded = strip_suffix(folded, INFLECTIONS, language)
    return strip_suffix(folded, SUFFIXES, language)


@lru_cache(maxsize=131072)
def lemma_of(word: str, language: str) -> str:
    languages = ("fr", "en") if language == "und" else (language,)
    for lang in languages:
        lemma = simplemma.lemmatize(word, lang=lang).lower()
        if lemma != word:
            return lemma
    return word


def strip_suffix(word: str, suffixes: dict[str, tuple[str, ...]], language: str) -> str:
    """``word`` without its longest ending among ``suffixes``, keeping four letters at least."""
    for suffix in suffixes.get(language, suffixes["fr"]):
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_ROOT:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=65536)
def is_known(word: str, language: str) -> bool:
    """Whether simplemma's dictionary knows ``word`` (a correctly spelt word)."""
    languages = ("fr", "en") if language == "und" else (language,)
    return any(simplemma.is_known(word, lang) for lang in languages)
