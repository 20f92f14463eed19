"""The opinion lexicons in ``lexicons/``, keyed on roots, with phrases and typo lookup."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from services.scoring.voice.rules import NEGATORS
from services.scoring.voice.text import Token, fold, normalise, root, tokens

EMOTIONS = (
    "anger",
    "frustration",
    "worry",
    "disappointment",
    "satisfaction",
    "joy",
    "gratitude",
)
LANGUAGES = ("fr", "en")
_HERE = Path(__file__).parent / "lexicons"
_MIN_TYPO = 5  # shorter words have too many one-letter neighbours to guess from
_MAX_TYPO = 24


@dataclass(frozen=True, slots=True)
class Entry:
    term: str
    valence: float
    emotions: tuple[str, ...]
    fixed: bool  # holds its own negation ("pas terrible") or a count: never negated
    # matched as written, not on its root: a word whose root is another word with another
    # meaning ("pleased" is "please", "sorted" is "sort"); written "in quotes" in the file
    written: bool = False


@dataclass
class Lexicon:
    language: str
    words: dict[str, Entry] = field(default_factory=dict)
    # phrases by their first root, longest first
    phrases: dict[str, list[tuple[tuple[str, ...], Entry]]] = field(default_factory=dict)
    # one-letter deletions of each word's accent-free spelling, for typos
    deletions: dict[str, str] = field(default_factory=dict)
    # accent-free spellings of single-word entries: evidence of the language
    spellings: set[str] = field(default_factory=set)
    # the entries matched as written, by their accent-free spelling
    written: dict[str, Entry] = field(default_factory=dict)

    def entry(self, token: Token) -> Entry | None:
        """The single-word entry ``token`` is, on its root or as written."""
        return self.words.get(token.root) or self.written.get(token.folded)

    def add(self, entry: Entry) -> None:
        keys = tuple(t.root for t in tokens(normalise(entry.term), self.language) if t.root)
        if entry.written:
            if len(keys) != 1:
                raise ValueError(f"only a single word is matched as written: {entry.term!r}")
            self.written.setdefault(fold(entry.term), entry)
            self.spellings.add(fold(entry.term))
        elif len(keys) == 1:
            self._add_word(keys[0], entry)
        elif keys:
            self.phrases.setdefault(keys[0], []).append((keys, entry))
            self.spellings.update(w for w in fold(entry.term).split() if len(w) >= 3)

    def _add_word(self, key: str, entry: Entry) -> None:
        self.words.setdefault(key, entry)
        # the same word written without its accents ("abime" for "abîmé") may lemmatise
        # elsewhere, and so may the feminine and plural
        self.words.setdefault(root(fold(entry.term), self.language), entry)
        if self.language == "fr":
            for ending in ("e", "s", "es"):
                self.words.setdefault(root(entry.term + ending, "fr"), entry)
        spelling = fold(entry.term)
        self.spellings.add(spelling)
        if len(spelling) >= _MIN_TYPO and spelling.isalpha():
            for variant in _deletions(spelling):
                self.deletions.setdefault(variant, key)

    def typo(self, word: str) -> Entry | None:
        """The entry ``word`` is one edit away from (a missing, extra, wrong or swapped
        letter), or None. Only call it for a word the dictionary does not know."""
        spelling = fold(word)
        if not _MIN_TYPO <= len(spelling) <= _MAX_TYPO:
            return None
        key = self.deletions.get(spelling)
        if key is None:
            key = next(
                (self.deletions[v] for v in _deletions(spelling) if v in self.deletions), None
            )
        return self.words.get(key) if key is not None else None


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def _parse(line: str) -> Entry | None:
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    term, valence, *rest = (part.strip() for part in line.split("|"))
    written = len(term) > 2 and term[0] == term[-1] == '"'
    term = term.strip('"')
    emotions = tuple(e for e in (rest[0].split(",") if rest else ()) if e.strip())
    unknown = set(emotions) - set(EMOTIONS)
    if unknown:
        raise ValueError(f"unknown emotion {sorted(unknown)} for {term!r}")
    words = {fold(w).strip("'") for w in term.lower().replace("'", "' ").split()}
    # a phrase that holds its own negation, or a count ("after 0 weeks"): a stretch of time
    # is as long in "hasn't come after 8 weeks" as anywhere
    fixed = bool(words & (NEGATORS["fr"] | NEGATORS["en"] | {"ne", "n"})) or any(
        w.isdigit() for w in words
    )
    return Entry(term.lower(), float(valence), tuple(e.strip() for e in emotions), fixed, written)


@cache
def lexicon(language: str) -> Lexicon:
    """The lexicon of ``language`` ("fr", "en", or "und" for both), loaded once."""
    if language == "und":
        merged = Lexicon("und")
        for one in LANGUAGES:
            part = lexicon(one)
            for key, entry in part.words.items():
                merged.words.setdefault(key, entry)
            for spelling, entry in part.written.items():
                merged.written.setdefault(spelling, entry)
            for key, phrases in part.phrases.items():
                merged.phrases.setdefault(key, []).extend(phrases)
            for variant, key in part.deletions.items():
                merged.deletions.setdefault(variant, key)
        _sort(merged)
        return merged
    loaded = Lexicon(language)
    for name in (f"{language}.txt", "common.txt"):
        for line in (_HERE / name).read_text(encoding="utf-8").splitlines():
            parsed = _parse(line)
            if parsed is not None:
                loaded.add(parsed)
    _sort(loaded)
    return loaded


def _sort(lex: Lexicon) -> None:
    for phrases in lex.phrases.values():
        phrases.sort(key=lambda item: -len(item[0]))


def warm() -> None:
    """Load the lexicons and simplemma's dictionaries now rather than on the first text."""
    for language in (*LANGUAGES, "und"):
        lexicon(language)
