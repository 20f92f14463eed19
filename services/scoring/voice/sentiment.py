"""Opinion words found in a verbatim, with the rules that shift them.

One pass over the tokens: phrases first (longest), then words, each scaled by a preceding
intensifier or diminisher, turned by a negation whose scope ends with the clause, and
weighted by its place around a contrast ("mais", "but": what follows weighs more) and by
its clause (``clauses``: a concession or a wish weighs less). Once the irritants are counted,
``read_irony`` reads the simplest irony: a lone praise word in a verbatim that complains,
or a praise word in quotation marks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cache
from typing import NamedTuple

from services.scoring.voice.clauses import balance, clause_weight, unmet_expectation
from services.scoring.voice.lexicon import Entry, Lexicon
from services.scoring.voice.rules import (
    CONTRAST,
    CONTRAST_PAIRS,
    COORDINATION,
    INTENSIFIERS,
    IRONY,
    IRONY_MARKS,
    NE_PARTICLES,
    NEGATION_BOOSTERS,
    NEGATION_SCOPE,
    NEGATORS,
    NONE_OF,
    ONCE_MORE,
    SUBJECTS,
    THANKS,
)
from services.scoring.voice.text import Token, fold, is_known

POSITIVE = frozenset(("satisfaction", "joy", "gratitude"))
_BREAKS = frozenset(".;:!?,()\n…/") | {"..."}
_BEFORE_CONTRAST, _AFTER_CONTRAST = 0.6, 1.3
# A negated positive keeps three quarters of its force, a negated negative a little more
# than half: "pas satisfait" is clearly negative, "pas mauvais" only mildly positive.
_NEGATED_POSITIVE, _NEGATED_NEGATIVE = 0.75, 0.6
_IRONIC = -0.6  # a sarcastic praise word
_COMPLAINS = -0.4  # the complaint beside which stock praise is sarcasm: one irritant
_BALANCED = 0.5  # what is left of a verdict that says "ni bien ni mal"
# the words a phrase ending on a negator reaches: an intensifier and its word ("toujours
# pas très content"), not the next clause of a text without punctuation ("toujours pas
# arrivé jsuis dégoûté")
_CLOSING_REACH = 2


@dataclass(slots=True)
class Hit:
    position: int
    clause: int
    valence: float
    emotions: tuple[str, ...]
    term: str
    negated: bool = False
    ironic: bool = False


@dataclass
class Reading:
    hits: list[Hit] = field(default_factory=list)
    clause_of: list[int] = field(default_factory=list)  # per token
    negated: set[int] = field(default_factory=set)  # token positions inside a negation
    words_in_clause: dict[int, int] = field(default_factory=dict)
    exclamations: int = 0
    shouting: int = 0
    contrast_clause: int | None = None  # the clause the last contrast word opens
    balanced: bool = False  # "ni bien ni mal": the verdict halves

    def clause_valence(self, clause: int) -> float:
        return sum(h.valence for h in self.hits if h.clause == clause)

    def contrast_weight(self, clause: int) -> float:
        """How much a clause counts around the contrast: before it less, after it more."""
        if self.contrast_clause is None:
            return 1.0
        return _BEFORE_CONTRAST if clause < self.contrast_clause else _AFTER_CONTRAST


@dataclass
class _State:
    clause: int = 0
    negation_left: int = 0
    negation_boost: float = 1.0
    boost: float = 1.0
    boost_left: int = 0
    contrast_at: int | None = None
    weight: float = 1.0  # the clause's weight: lower in a concession or a wish
    cue: float | None = None  # the weight a cue word sets from the next word on

    def end_clause(self) -> None:
        self.clause += 1
        self.negation_left = self.boost_left = 0
        self.negation_boost = self.boost = self.weight = 1.0
        self.cue = None

    def take_cue(self, tokens: list[Token], i: int) -> None:
        """Applies the cue found before ``i``, and keeps the one ``i`` holds, if any:
        the cue words themselves ("alors que", "even though") keep their weight."""
        if self.cue is not None:
            self.weight, self.cue = min(self.weight, self.cue), None
        self.cue = clause_weight(tokens, i)


class _FunctionWords(NamedTuple):
    """The function words ``read`` looks for in one language."""

    negators: frozenset[str]
    contrast: frozenset[str]
    intensifiers: dict[str, float]
    skippable: frozenset[str]  # the intensifiers, which a phrase may hold one of
    closing: frozenset[str]  # a phrase ending on one negates what follows


@cache
def _function_words(language: str) -> _FunctionWords:
    """Gathered once per language ("und": both), rather than once per verbatim."""
    negators = NEGATORS.get(language) or NEGATORS["fr"] | NEGATORS["en"]
    contrast = CONTRAST.get(language) or CONTRAST["fr"] | CONTRAST["en"]
    intensifiers = INTENSIFIERS.get(language) or INTENSIFIERS["fr"] | INTENSIFIERS["en"]
    return _FunctionWords(
        negators, contrast, intensifiers, frozenset(intensifiers), negators | NE_PARTICLES
    )


def read(tokens: list[Token], lexicon: Lexicon, language: str) -> Reading:
    """Every opinion hit of ``tokens``, in order, with the clause each token belongs to."""
    reading, state = Reading(), _State()
    negators, contrast, intensifiers, skippable, closing = _function_words(language)
    balanced = balance(tokens, lexicon)
    reading.balanced = bool(balanced)
    i = last_end = 0  # last_end: the last token of the last hit
    while i < len(tokens):
        token = tokens[i]
        reading.clause_of.append(state.clause)
        if not token.root or i in balanced:
            _mark(token, state, reading)
            i += 1
            continue
        word = token.folded.rstrip("'")
        reading.words_in_clause[state.clause] = reading.words_in_clause.get(state.clause, 0) + 1
        if state.negation_left > 0:
            reading.negated.add(i)
        if (word in contrast or _contrast_pair(tokens, i, word)) and _opens(tokens, i, negators):
            state.end_clause()
            state.contrast_at = len(reading.hits)
            reading.contrast_clause = reading.clause_of[-1] = state.clause
            i += 1
            continue
        state.take_cue(tokens, i)
        if word in COORDINATION and _new_subject(tokens, i):
            state.negation_left = 0  # "je ne comprends pas et ça m'inquiète"
        length, entry = unmet_expectation(tokens, i)
        if entry is None:
            length, entry = _rating(tokens, i)
        if entry is None:
            length, entry = _phrase(tokens, i, lexicon, skippable)
        if entry is None:
            first = reading.words_in_clause[state.clause] == 1
            if word == "zero" and _opinion_next(tokens, i, lexicon):
                state.negation_left = 2  # "zero complaints", "zéro souci": none of it
                i += 1
                continue
            if language != "en" and word in _POSTPOSED:
                _negate_before(tokens, i, reading, lexicon, intensifiers, last_end)
            if _negation(tokens, i, word, negators, state) or _no_more(
                tokens, i, word, first, state
            ):
                i += 1
                continue
            if word in intensifiers and _opinion_follows(tokens, i, lexicon):
                state.boost, state.boost_left = intensifiers[word], 3
                if word in NEGATION_BOOSTERS and state.negation_left > 0:
                    state.negation_boost = 1.3
                i += 1
                continue
            entry = lexicon.entry(token) or _typo(token, lexicon, language)
        if (
            entry is not None
            and entry.term in NONE_OF
            and _complaint_at(tokens, i + length, lexicon)
        ):
            entry = None  # "pas une seule coupure", "not a single scratch": none of it happened
            state.negation_left = NEGATION_SCOPE + length
        if entry is not None:
            reading.hits.append(_hit(i, token, entry, state))
            last_end = i + length - 1
            if length > 1 and tokens[i + length - 1].folded in closing:
                state.negation_left = _CLOSING_REACH + length  # "toujours pas | content"
        if word in NEGATION_BOOSTERS and state.negation_left > 0:
            state.negation_boost = 1.3
        for k in range(1, length):
            state.cue = clause_weight(tokens, i + k) or state.cue  # "j'espère" + "que"
            reading.clause_of.append(state.clause)
            if state.negation_left > 0:
                reading.negated.add(i + k)
        state.negation_left = max(0, state.negation_left - length)
        state.boost_left = max(0, state.boost_left - length)
        i += length
    _weigh_contrast(reading, state.contrast_at)
    return reading


def _contrast_pair(tokens: list[Token], i: int, word: str) -> bool:
    """A contrast written in two words: "par contre", "en revanche", "that said"."""
    return i > 0 and (tokens[i - 1].folded, word) in CONTRAST_PAIRS


def _opens(tokens: list[Token], i: int, negators: frozenset[str]) -> bool:
    """Whether a contrast word opens a clause: not first, and not after a negator ("not
    yet")."""
    return i > 0 and tokens[i - 1].folded not in negators


def _new_subject(tokens: list[Token], i: int) -> bool:
    return i + 1 < len(tokens) and tokens[i + 1].folded.rstrip("'") in SUBJECTS


def _mark(token: Token, state: _State, reading: Reading) -> None:
    if token.root:
        return  # a word of a balance ("ni bien ni mal"): no opinion, no mark
    if token.text.startswith("!"):
        reading.exclamations += len(token.text)
    if token.text in _BREAKS or token.text[0] in "!?":
        state.end_clause()


def _negation(
    tokens: list[Token], i: int, word: str, negators: frozenset[str], state: _State
) -> bool:
    """Whether ``word`` opens (or extends) a negation; French "ne" needs its particle."""
    if word in ("jamais", "never") and _superlative(tokens, i):
        return False  # "jamais été aussi mal reçu": an emphasis, not a negation
    if word in ("ne", "n"):
        for ahead in range(i + 1, min(i + 6, len(tokens))):
            if not tokens[ahead].root:
                return False
            particle = tokens[ahead].folded
            if particle in NE_PARTICLES:
                if particle == "jamais" and _superlative(tokens, ahead):
                    return False
                state.negation_left = ahead - i + NEGATION_SCOPE
                return True
        return False
    if word in negators or (word in NE_PARTICLES and state.negation_left > 0):
        # "un peu" diminishes, "peu" alone negates: "peu aimable" is unkind
        state.negation_left = max(state.negation_left, NEGATION_SCOPE)
        return True
    if _conditional(tokens, i, word):
        state.negation_left = NEGATION_SCOPE
        return True
    if word == "peu" and (i == 0 or tokens[i - 1].folded != "un"):
        state.negation_left = NEGATION_SCOPE
        return True
    return False


# Spoken French drops "ne" and puts the negator after the verb: "je recommande pas",
# "j'aime pas trop", "je recommanderai jamais".
_POSTPOSED = frozenset(("pas", "jamais"))


def _negate_before(
    tokens: list[Token],
    i: int,
    reading: Reading,
    lexicon: Lexicon,
    between: dict[str, float],
    last_end: int,
) -> None:
    """Negate the opinion word or phrase (ending at ``last_end``) right before the negator
    at ``i``, or before it and an intensifier ("j'aime vraiment pas"), in its clause, when
    no opinion word follows (the negator then turns that one: "pas terrible") and no "ne"
    turned it already."""
    if not reading.hits or _opinion_next(tokens, i, lexicon):
        return
    hit = reading.hits[-1]
    before = i - last_end
    if hit.negated or hit.ironic or hit.clause != reading.clause_of[i]:
        return
    if before != 1 and not (before == 2 and tokens[i - 1].folded in between):
        return
    factor = _NEGATED_POSITIVE if hit.valence > 0 else _NEGATED_NEGATIVE
    hit.valence = -hit.valence * factor
    hit.emotions = ("disappointment",) if set(hit.emotions) & POSITIVE else ()
    hit.negated = True


_SUPERLATIVE = frozenset(("aussi", "si", "autant", "tant", "so", "such", "as", "this"))


def _superlative(tokens: list[Token], i: int) -> bool:
    return any(t.folded in _SUPERLATIVE for t in tokens[i + 1 : i + 4])


_CONDITIONAL_FR = frozenset(
    ("serait", "seraient", "aurait", "auraient", "faudrait", "devrait", "devraient")
)


def _conditional(tokens: list[Token], i: int, word: str) -> bool:
    """The conditional praises what did not happen: "ce serait plus simple si...", "I
    thought it would be easier"."""
    if word in _CONDITIONAL_FR:
        return True
    following = tokens[i + 1].text if i + 1 < len(tokens) else ""
    return word == "should" or (word == "would" and following in ("be", "have"))


def _no_more(tokens: list[Token], i: int, word: str, first: bool, state: _State) -> bool:
    """French "Plus de coupures" opening a clause means "no more"; "plus de 3 heures" is
    "more than"."""
    if word != "plus" or not first or i + 2 >= len(tokens):
        return False
    if tokens[i + 1].folded.rstrip("'") != "de" or not tokens[i + 2].text[0].isalpha():
        return False
    state.negation_left = NEGATION_SCOPE
    return True


_SCALES = frozenset((5, 10, 20, 100))


def _rating(tokens: list[Token], i: int) -> tuple[int, Entry | None]:
    """(3, its entry) if a mark out of 5, 10, 20 or 100 starts at ``i`` ("8/10", "0/5"):
    from −0.8 for none to +0.8 for full marks; (1, None) otherwise. A range ("3-5 days"), a
    price ("4,90") or a time ("8h30") is no mark."""
    if i + 2 >= len(tokens) or tokens[i + 1].text != "/":
        return 1, None
    mark, scale = tokens[i].text, tokens[i + 2].text
    if not (mark.isdigit() and scale.isdigit()) or int(scale) not in _SCALES:
        return 1, None
    if int(mark) > int(scale):
        return 1, None
    valence = round(0.8 * (2 * int(mark) / int(scale) - 1), 2)
    emotions = (
        ("satisfaction",) if valence >= 0.3 else ("disappointment",) if valence <= -0.3 else ()
    )
    return 3, Entry(f"{mark}/{scale}", valence, emotions, fixed=True)


def _complaint_at(tokens: list[Token], j: int, lexicon: Lexicon) -> bool:
    """Whether the word at ``j`` is a complaint word."""
    entry = lexicon.entry(tokens[j]) if j < len(tokens) else None
    return entry is not None and entry.valence < 0


def _opinion_next(tokens: list[Token], i: int, lexicon: Lexicon) -> bool:
    """Whether the word after ``i`` is an opinion word."""
    return i + 1 < len(tokens) and lexicon.entry(tokens[i + 1]) is not None


def _opinion_follows(tokens: list[Token], i: int, lexicon: Lexicon) -> bool:
    """An intensifier that is also an opinion word ("super", "bien") intensifies only
    when an opinion word or another intensifier comes right after it."""
    if i + 1 >= len(tokens) or not tokens[i + 1].root:
        return tokens[i].folded not in lexicon.spellings
    nxt = tokens[i + 1]
    return (
        lexicon.entry(nxt) is not None
        or nxt.root in lexicon.phrases
        or tokens[i].folded not in lexicon.spellings
    )


def _phrase(
    tokens: list[Token], i: int, lexicon: Lexicon, skippable: frozenset[str] = frozenset()
) -> tuple[int, Entry | None]:
    """The longest phrase starting at ``i``: (its length in tokens, its entry). One
    intensifier may stand inside it ("went really well", "pas vraiment top")."""
    phrases = lexicon.phrases.get(tokens[i].root)
    if not phrases or i + 1 == len(tokens):  # every phrase has two words or more
        return 1, None
    # looked for at every word, and "pas" or "no" start dozens of phrases: without an
    # intensifier next, only those whose second word comes next can start here
    nxt = tokens[i + 1]
    any_second = nxt.folded in skippable
    for keys, entry in phrases:
        if any_second or keys[1] == nxt.root:
            length = _phrase_length(tokens, i, keys, skippable)
            if length:
                return length, entry
    return 1, None


def _phrase_length(
    tokens: list[Token], i: int, keys: tuple[str, ...], skippable: frozenset[str]
) -> int:
    k, j, skipped = 1, i + 1, False
    while k < len(keys):
        if j >= len(tokens):
            return 0
        if tokens[j].root == keys[k]:
            k += 1
        elif not skipped and tokens[j].folded in skippable:
            skipped = True
        else:
            return 0
        j += 1
    return j - i


def _typo(token: Token, lexicon: Lexicon, language: str) -> Entry | None:
    if len(token.text) < 5 or is_known(token.text, language):
        return None
    return lexicon.typo(token.text)


def _hit(i: int, token: Token, entry: Entry, state: _State) -> Hit:
    valence = entry.valence * state.weight
    if state.boost_left > 0:
        valence *= state.boost
    if token.upper:
        valence *= 1.25
    emotions = entry.emotions
    negated = state.negation_left > 0 and not entry.fixed
    if negated:
        factor = _NEGATED_POSITIVE if valence > 0 else _NEGATED_NEGATIVE
        valence = -valence * factor * state.negation_boost
        # not satisfied is a disappointment; not worried is no emotion at all
        emotions = ("disappointment",) if set(emotions) & POSITIVE else ()
    state.boost_left = 0
    if token.quoted and valence > 0:  # « rapide », 'fast': praise in quotation marks mocks
        return Hit(i, state.clause, _IRONIC, ("anger",), entry.term, negated, ironic=True)
    return Hit(i, state.clause, max(-1.0, min(1.0, valence)), emotions, entry.term, negated)


def _weigh_contrast(reading: Reading, contrast_at: int | None) -> None:
    if contrast_at is None:
        return
    for k, hit in enumerate(reading.hits):
        hit.valence *= _BEFORE_CONTRAST if k < contrast_at else _AFTER_CONTRAST


def read_irony(
    tokens: list[Token], reading: Reading, irritants: frozenset[int] = frozenset()
) -> None:
    """Praise that stands alone in its clause ("Génial...", "Bravo !", "Well done.") after
    or before a complaint, irritants included, is sarcasm: it counts as anger, not as joy;
    so is a stock praise word in a clause that reports an irritant ("Lovely 40 minute
    queue", "Thanks for charging me twice"). ``irritants``: the clauses that report one.

    Two signs make it sarcasm whatever else the verbatim says: an eye roll (or another of
    :data:`IRONY_MARKS`), which turns the stock praise and any praise of its own clause
    ("Such helpful staff 🙄"); and, in a verbatim that complains at all, a lone praise word
    before "another" or "again" ("Great, another dropped call"; not thanks: "Thanks again")."""
    marks = {reading.clause_of[i] for i, t in enumerate(tokens) if t.text in IRONY_MARKS}
    if marks:
        for k, hit in enumerate(reading.hits):
            stock = fold(hit.term) in IRONY or hit.clause in marks
            if hit.valence > 0 and not hit.negated and stock:
                reading.hits[k] = _sarcastic(hit)
        return
    complaint = sum(h.valence for h in reading.hits if h.valence < 0)
    praise = sum(h.valence for h in reading.hits if h.valence > 0 and fold(h.term) not in IRONY)
    if praise >= 0.3:  # other praise: the lone word is meant
        return
    lone = [k for k, hit in enumerate(reading.hits) if _lone_praise(tokens, reading, hit)]
    for k in lone:
        if complaint < 0 and _once_more(tokens, reading.hits[k]):
            reading.hits[k] = _sarcastic(reading.hits[k])
    for k, hit in enumerate(reading.hits):
        if complaint < 0 and _addressed(tokens, hit):
            reading.hits[k] = _sarcastic(hit)
    # the sarcasm found counts in the complaint: "Great, another dropped call. Brilliant."
    if sum(h.valence for h in reading.hits if h.valence < 0) > _COMPLAINS:
        _read_trailing_off(tokens, reading)
        return
    for k, hit in enumerate(reading.hits):
        praise = hit.valence > 0 and not hit.negated and fold(hit.term) in IRONY
        if praise and (k in lone or hit.clause in irritants):
            reading.hits[k] = _sarcastic(hit)


def _lone_praise(tokens: list[Token], reading: Reading, hit: Hit) -> bool:
    """Stock praise alone in its clause, not conceded before a contrast."""
    words = reading.words_in_clause.get(hit.clause, 0) - len(hit.term.split()) + 1
    praise = hit.valence > 0 and not hit.negated and fold(hit.term) in IRONY
    return praise and words <= 2 and not _concession(tokens, hit.position)


def _sarcastic(hit: Hit) -> Hit:
    return replace(hit, valence=_IRONIC, emotions=("anger",), ironic=True)


def _once_more(tokens: list[Token], hit: Hit) -> bool:
    """The first word after the praise says it happened again ("Great, another …")."""
    after = hit.position + len(hit.term.split())
    following = [t for t in tokens[after : after + 4] if t.root]
    thanks = fold(hit.term) in THANKS
    return not thanks and bool(following) and following[0].folded in ONCE_MORE


# Congratulations that address the company itself, its name after them ("Bravo la banque en
# ligne", "Well done the team"), in a verbatim that complains: no one is congratulated.
_CONGRATULATIONS = frozenset(
    ("bravo", "chapeau", "felicitations", "well done", "great job", "good job", "congrats")
)
_ADDRESSED = frozenset(("la", "le", "les", "l'", "l", "the"))


def _addressed(tokens: list[Token], hit: Hit) -> bool:
    """Congratulations followed by an article: addressed to the company, not thanking
    someone for something ("bravo au conseiller", "well done to the engineer" are meant)."""
    if hit.valence <= 0 or hit.negated or fold(hit.term) not in _CONGRATULATIONS:
        return False
    after = hit.position + len(hit.term.split())
    return after < len(tokens) and tokens[after].folded in _ADDRESSED


def _read_trailing_off(tokens: list[Token], reading: Reading) -> None:
    """Stock praise alone in its clause and trailing off ("Génial...", "Belle job…") is
    sarcasm even where no complaint word says why: the ellipsis says it."""
    for k, hit in enumerate(reading.hits):
        if hit.valence <= 0 or hit.negated or fold(hit.term) not in IRONY:
            continue
        after = hit.position + len(hit.term.split())
        words = reading.words_in_clause.get(hit.clause, 0) - len(hit.term.split()) + 1
        if words <= 2 and after < len(tokens) and tokens[after].text in ("...", "…"):
            reading.hits[k] = _sarcastic(hit)


def _concession(tokens: list[Token], position: int) -> bool:
    """ "Bien, mais trop cher": praise conceded before a contrast is meant."""
    following = [t for t in tokens[position + 1 : position + 4] if t.root]
    return bool(following) and following[0].folded in (CONTRAST["fr"] | CONTRAST["en"])


def score(reading: Reading) -> float:
    """The verbatim's sentiment in [-1, 1]: the hits' sum, emphasised by exclamation
    marks, squashed smoothly (one mild word stays mild, many strong ones approach ±1)."""
    total = sum(h.valence for h in reading.hits) * (_BALANCED if reading.balanced else 1.0)
    if total:
        total += math.copysign(0.1 * min(reading.exclamations, 3), total)
    return total / math.sqrt(total * total + 1.0)
