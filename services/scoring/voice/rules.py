"""The function words the rules look for, per language, written accent-free and lower-case.

Negators open a negation scope; intensifiers and diminishers scale the next opinion word;
contrast words split a verbatim into the part before and the part that weighs more.
Language identification counts each language's common function words.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NEGATORS = {
    "fr": _words("pas jamais rien aucun aucune nulle guere ni sans moins"),
    "en": _words(
        "not no never nothing none nobody nor neither without hardly barely cannot cant "
        "dont doesnt didnt isnt wasnt arent werent wont wouldnt couldnt shouldnt havent "
        "hasnt hadnt aint nowhere less"
    ),
}
# Phrases that complain of an absence ("pas un seul appel", "not a single reply") unless a
# complaint word follows: then it is that which did not happen ("not a single scratch").
NONE_OF = frozenset(("pas un seul", "not a single"))
# "ne" is a negation only with one of these after it ("ne ... que" restricts, it does not
# negate); "plus" and "personne" are negators only after "ne" ("plus rapide", "une personne").
NE_PARTICLES = _words("pas plus jamais rien aucun aucune guere point personne ni nulle")
NE_WORDS = _words("ne n'")
NEGATION_SCOPE = 4  # words after the negator that it reaches, unless a clause ends first

INTENSIFIERS = {
    "fr": {
        "tres": 1.4,
        "trop": 1.4,
        "vraiment": 1.4,
        "extremement": 1.6,
        "hyper": 1.5,
        "tellement": 1.4,
        "si": 1.3,
        "totalement": 1.5,
        "completement": 1.5,
        "absolument": 1.5,
        "particulierement": 1.4,
        "vachement": 1.5,
        "super": 1.4,
        "franchement": 1.2,
        "carrement": 1.4,
        "profondement": 1.5,
        "entierement": 1.4,
        "incroyablement": 1.6,
        "ultra": 1.5,
        "archi": 1.5,
        "grave": 1.3,
        "bien": 1.2,
        "fort": 1.3,
        "tout": 1.2,
        "toujours": 1.1,
        "parfaitement": 1.4,
        "sacrement": 1.5,
        "terriblement": 1.6,
        "affreusement": 1.6,
        "horriblement": 1.6,
        "plutot": 0.8,
        "assez": 0.8,
        "peu": 0.5,
        "legerement": 0.6,
        "moyennement": 0.4,
        "relativement": 0.7,
        "quasi": 0.8,
        "presque": 0.7,
    },
    "en": {
        "very": 1.4,
        "really": 1.4,
        "so": 1.3,
        "too": 1.3,
        "extremely": 1.6,
        "super": 1.4,
        "totally": 1.5,
        "completely": 1.5,
        "absolutely": 1.5,
        "incredibly": 1.6,
        "highly": 1.4,
        "truly": 1.4,
        "utterly": 1.6,
        "deeply": 1.5,
        "terribly": 1.5,
        "awfully": 1.5,
        "seriously": 1.3,
        "particularly": 1.3,
        "most": 1.3,
        "such": 1.3,
        "quite": 1.1,
        "pretty": 0.9,
        "fairly": 0.8,
        "rather": 0.8,
        "somewhat": 0.6,
        "slightly": 0.5,
        "mildly": 0.6,
        "bit": 0.6,
        "kinda": 0.7,
        "relatively": 0.7,
        "almost": 0.7,
        "mostly": 0.9,
        "damn": 1.4,
        "bloody": 1.4,
        "well": 1.1,
        "entirely": 1.4,
        "insanely": 1.6,
        "ridiculously": 1.5,
        "exceptionally": 1.5,
        "beyond": 1.4,
    },
}
# Words that reinforce a negation around them: "pas du tout", "not at all".
NEGATION_BOOSTERS = _words("tout all whatsoever absolument vraiment really")

CONTRAST = {
    "fr": _words("mais cependant toutefois neanmoins pourtant sauf hormis"),
    "en": _words("but however although though except nevertheless yet unfortunately"),
}
CONTRAST_PAIRS = frozenset((("par", "contre"), ("en", "revanche"), ("that", "said")))
# A conjunction followed by a new subject starts a new clause for negation: "je ne
# comprends pas et ça m'inquiète", "it isn't fixed and I am worried".
COORDINATION = _words("et and")
SUBJECTS = _words("je j tu il elle on nous vous ils elles ca cela c i you he she we they it")

# Praise words and phrases that turn sarcastic when they stand alone ("Génial...",
# "Bravo !", "Well done.") in a verbatim that otherwise complains.
IRONY = _words(
    "genial super bravo parfait top merci felicitations chapeau magnifique formidable "
    "excellent great perfect brilliant wonderful fantastic lovely thanks nice awesome "
    "amazing superb cool bien sympa impressive kind"
) | frozenset(
    (
        "well done",
        "good job",
        "great job",
        "belle job",
        "thanks a lot",
        "merci beaucoup",
        "bien joue",
    )
)

# Marks that say the praise around them is meant the other way: an eye roll, an upside-down
# or unamused face, a smirk ("Great service 🙄").
IRONY_MARKS = frozenset(("🙄", "🙃", "😒", "😏"))
# What a lone praise word is sarcastic before, however mild the complaint that follows:
# "Great, another dropped call", "Génial, encore un retard", "Perfect, yet again".
ONCE_MORE = _words("another again encore")

# Thanks, and the words that make a verbatim a request: thanks that close a request are a
# courtesy ("Je voudrais savoir si ... Merci"), as is "merci de" followed by what is asked.
THANKS = _words("merci thanks thank cheers") | frozenset(
    ("thank you", "many thanks", "thanks a lot", "merci beaucoup", "merci encore")
)
# the request words open a clause that judges nothing yet (clauses.py); with "pourriez",
# they make a verbatim a request
REQUESTS = _words("voudrais voudrions souhaiterais aimerais svp stp please pls plz")
ASKING = REQUESTS | {"pourriez"}
ASKING_PAIRS = frozenset(
    (
        ("pouvez", "vous"),
        ("could", "you"),
        ("can", "you"),
        ("would", "you"),
        ("would", "like"),
        ("d", "like"),
    )
)

# Common function words: they tell the language apart.
FUNCTION_WORDS = {
    "fr": _words(
        "le la les un une des du de d l au aux et est sont ete etre avoir ai as a avons "
        "avez ont je j tu il elle nous vous ils elles on ce c cet cette ces mon ma mes ton "
        "ta tes son sa ses notre votre vos leur leurs qui que qu quoi dont ou en dans par "
        "pour sur avec sans chez vers mais donc car ne n pas plus tres bien toujours "
        "encore deja jamais rien tout tous toute toutes ca cela ceci y m me moi s se "
        "suis etait j'ai c'est n'est avait fait faire apres avant depuis lors quand comme "
        "aussi meme alors voila ici la-bas"
    ),
    "en": _words(
        "the a an and is are was were be been being have has had i you he she we they it "
        "my your his her our their this that these those who what which where when why how "
        "to of in on at by for with from into about after before not no never very so too "
        "but or if then than there here just still again all any some do does did done "
        "can could would should will me him us them its im ive dont didnt wasnt isnt "
        "please got get"
    ),
}
# Skipped when a keyword meets a text: articles, prepositions and conjunctions only, so that
# "délai de livraison" meets "délai livraison" while "transferred me" keeps its "me" and
# does not shrink to any bank "transfer". English "on" is kept: it is a verb's particle as
# often as a preposition ("won't turn on" is not "didn't turn up").
KEYWORD_SKIP = {
    "fr": _words(
        "le la les l un une des du de d au aux et ou en dans par pour sur avec chez vers pendant "
        "durant"
    ),
    "en": _words("the a an of to for in at by with from into and or during"),
}
# Answers that say there is nothing to say: neutral whatever the rest of the rules find.
NOTHING_TO_SAY = _words(
    "ras r.a.s n/a na nc rien neant aucun aucune sans rien a signaler nothing none nil "
    "no comment comments pas de commentaire"
)
