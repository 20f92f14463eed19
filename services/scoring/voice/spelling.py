"""British and American spellings of one English word, brought to one form.

Customers write "cancelled" or "canceled", "colour" or "color", "recognised" or
"recognized", and a taxonomy names one of them; ``american`` gives every spelling the
American one, before the word's ending is stripped (``text.root``). It is applied to the
lemma, so inflections are simplemma's to undo first ("recognised" → "recognise" →
"recognize"). Only families listed here, or an "-ise" whose "-ize" the dictionary knows,
change: "promise", "advice" or "hour" never do.
"""

from __future__ import annotations

import re
from functools import lru_cache

import simplemma

# -our → -or: listed stems only ("hour", "four", "tour", "detour" keep theirs)
_OUR = re.compile(
    r"^(un|dis|mis)?(col|fav|hon|lab|hum|rum|behavi|neighb|flav|od|vap|harb|arm|sav|endeav"
    r"|vig|rig|clam|tum)our"
)
# a doubled final l before an ending: "cancelled", "travelling", "labelled"
_LL = re.compile(
    r"^(cancel|travel|label|model|level|fuel|signal|channel|counsel|dial|marvel|jewel|tunnel"
    r"|quarrel|total)l(ed|ing|er|ers|ation|ations)?$"
)
# -ise → -ize after a consonant, when the dictionary knows the -ize verb
_ISE = re.compile(r"^([a-z]{3,}[^aeiou])is(e|ed|es|ing|ation|ations|er|ers)$")
_YSE = re.compile(r"^(anal|paral|catal)ys(e|ed|es|ing)$")
# -re → -er: "centre", "theatre", "litre", "fibre"
_RE = re.compile(r"^(cent|theat|lit|fib|met|calib)re(s|d)?$")
_WORDS = {
    "programme": "program",
    "programmes": "programs",
    "licence": "license",
    "licences": "licenses",
    "defence": "defense",
    "offence": "offense",
    "grey": "gray",
    "tyre": "tire",
    "tyres": "tires",
    "jewellery": "jewelry",
    "instalment": "installment",
    "instalments": "installments",
    "enrolment": "enrollment",
    "enrol": "enroll",
    "fulfil": "fulfill",
    "catalogue": "catalog",
    "catalogues": "catalogs",
    "dialogue": "dialog",
    "aluminium": "aluminum",
    "mould": "mold",
    "sceptical": "skeptical",
    "pyjamas": "pajamas",
}


@lru_cache(maxsize=65536)
def american(word: str) -> str:
    """The American spelling of a lower-case, accent-free English ``word`` (itself when it
    has no other)."""
    if word in _WORDS:
        return _WORDS[word]
    if match := _LL.match(word):
        return match.group(1) + (match.group(2) or "")
    if match := _ISE.match(word):
        stem, ending = match.groups()
        return f"{stem}iz{ending}" if simplemma.is_known(f"{stem}ize", "en") else word
    if match := _YSE.match(word):
        return f"{match.group(1)}yz{match.group(2)}"
    if _RE.match(word):
        return _RE.sub(r"\1er\2", word)
    return _OUR.sub(r"\1\2or", word)
