"""Cues that change how much a clause's opinion words count, or what they mean.

- A concession ("alors que", "même si", "even though", "whereas") opens a clause that
  weighs less: "Carte refusée alors que tout va bien côté banque" complains.
- A wish, a request or an indirect question ("j'espère que", "I hope", "je voudrais",
  "please", "savoir si", "know whether") opens a clause that judges nothing yet: its words
  barely count.
- An unmet expectation ("je m'attendais à mieux", "expected better", "was hoping for
  more") is a disappointment, whatever the comparative's own praise; an expectation
  exceeded ("je m'attendais à pire", "expected worse") is a satisfaction, whatever the
  comparative's own complaint.
- A balance ("ni bien ni mal", "neither good nor bad") weighs a praise against a complaint:
  both are silenced and the verbatim's verdict halves.
"""

from __future__ import annotations

from services.scoring.voice.lexicon import Entry, Lexicon
from services.scoring.voice.rules import REQUESTS
from services.scoring.voice.text import Token

CONCESSION_WEIGHT = 0.5
WISH_WEIGHT = 0.25
# first word → the words that make it a concession when they follow it
_CONCESSIONS = {
    "alors": ("que", "qu"),
    "bien": ("que", "qu"),
    "meme": ("si", "s"),
    "even": ("though", "if"),
}
_WHEREAS = frozenset(("whereas", "quoique"))
_WISHES = frozenset(("espere", "esperons", "hope", "wish"))
_ASKING = frozenset(
    ("savoir", "demander", "demande", "know", "ask", "asking", "wonder", "wondering")
)
_WHETHER = frozenset(("si", "s", "if", "whether"))
_EXPECTING = frozenset(
    (
        "esperais",
        "esperait",
        "esperions",
        "attendais",
        "attendait",
        "attendions",
        "expected",
        "expecting",
        "hoped",
        "hoping",
        "anticipated",
    )
)
_COMPARATIVES = frozenset(
    ("mieux", "meilleur", "meilleure", "meilleurs", "meilleures", "plus", "better", "more")
)
_WORSE = frozenset(("pire", "pires", "worse"))
_SUBJECTS = frozenset(("j", "je", "m", "on", "nous", "i", "we", "was", "were", "had", "am", "are"))
_REACH = 4  # words between the expectation and its comparative
UNMET = Entry("expected better", -0.5, ("disappointment",), fixed=True)
EXCEEDED = Entry("expected worse", 0.5, ("satisfaction",), fixed=True)
_BALANCE = {"ni": ("ni",), "neither": ("nor",)}


def _word(token: Token) -> str:
    return token.folded.rstrip("'") if token.root else ""


def clause_weight(tokens: list[Token], i: int) -> float | None:
    """The weight of the rest of the clause if token ``i`` opens a concession, a wish or an
    indirect question; None otherwise."""
    word = _word(tokens[i])  # asked for every word: its neighbours only when they count
    if word in _WHEREAS or (
        word in _CONCESSIONS and i + 1 < len(tokens) and _word(tokens[i + 1]) in _CONCESSIONS[word]
    ):
        return CONCESSION_WEIGHT
    # a request: what is asked for is no complaint yet ("je voudrais résilier", "please cancel")
    if word in _WISHES or word in REQUESTS:
        return WISH_WEIGHT
    if word in _WHETHER and i > 0 and _word(tokens[i - 1]) in _ASKING:
        return WISH_WEIGHT
    return None


def unmet_expectation(tokens: list[Token], i: int) -> tuple[int, Entry | None]:
    """(the tokens it spans, its entry) if an expectation verb at ``i`` (or after a subject
    or auxiliary there: "je m'attendais", "was hoping") is followed, within its clause, by a
    comparative: "j'espérais une meilleure qualité" (unmet), "je m'attendais à pire"
    (exceeded); (1, None) otherwise."""
    verb = i
    while verb < min(i + 2, len(tokens) - 1) and _word(tokens[verb]) in _SUBJECTS:
        verb += 1
    if _word(tokens[verb]) not in _EXPECTING:
        return 1, None
    for j in range(verb + 1, min(verb + 1 + _REACH, len(tokens))):
        if not tokens[j].root:
            return 1, None
        if _word(tokens[j]) in _COMPARATIVES:
            return j - i + 1, UNMET
        if _word(tokens[j]) in _WORSE:
            return j - i + 1, EXCEEDED
    return 1, None


def balance(tokens: list[Token], lexicon: Lexicon) -> set[int]:
    """The positions of a "ni A ni B" / "neither A nor B" whose A and B are opinion words of
    opposite signs (empty if there is none): a balanced judgement, read as no judgement."""
    for i, token in enumerate(tokens):
        second = _BALANCE.get(_word(token))
        if second is None:
            continue
        for j in range(i + 2, min(i + 5, len(tokens))):
            if _word(tokens[j]) in second and j + 1 < len(tokens):
                span = set(range(i, j + 2))
                signs = {
                    entry.valence > 0
                    for k in span
                    if (entry := lexicon.entry(tokens[k])) is not None and entry.valence
                }
                if signs == {True, False}:
                    return span
    return set()
