"""The analyser on hand-written cases for the clause rules, in French and in English:
contrast, concession, wishes, unmet expectations, balances, quoted praise, irritants,
shorthand and short units."""

from __future__ import annotations

import pytest

from services.scoring.voice.analyser import analyse
from services.scoring.voice.text import tokens
from services.scoring.voice.topics import Taxonomy, Topic

TAXONOMY = Taxonomy(
    [
        Topic("late-delivery", "root_cause", {"fr": ["retard"], "en": ["late"]}),
        Topic("long-wait", "root_cause", {"fr": ["attente"], "en": ["on hold"]}),
        Topic("refund-delay", "root_cause", {"fr": ["pas remboursé"], "en": ["not refunded"]}),
        Topic(
            "website-bug",
            "root_cause",
            {"fr": ["se ferme toute seule"], "en": ["closes by itself"]},
        ),
    ]
)


def sentiment(text: str) -> str:
    return analyse(text, taxonomy=TAXONOMY).sentiment_class


@pytest.mark.parametrize(
    "text",
    [
        "L'application se ferme toute seule quand j'ouvre le panier.",
        "The app closes by itself when I open the basket.",
        "Deux heures d'attente pour un simple renouvellement.",
        "Two hours on hold for a simple question.",
    ],
)
def test_a_root_cause_is_a_complaint_even_in_mild_words(text: str) -> None:
    assert sentiment(text) == "negative"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bon conseiller, mais trois quarts d'heure pour l'avoir.", "negative"),
        ("Good adviser, but 45 minutes to get him on the phone.", "negative"),
        ("Un peu long, mais conseiller efficace.", "positive"),
        ("A bit slow but the adviser was efficient.", "positive"),
        ("Très bon produit. Par contre, service client injoignable.", "negative"),
        ("Produit moyen, en revanche le service client est excellent.", "positive"),
        ("Great product. That said, the delivery was a nightmare.", "negative"),
    ],
)
def test_a_contrast_weighs_what_follows_even_when_it_only_states_facts(
    text: str, expected: str
) -> None:
    assert sentiment(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Carte refusée alors que tout va bien sur mon compte.", "negative"),
        ("Card declined even though everything is fine with my account.", "negative"),
        ("Très bon service, même si le site est un peu lent.", "positive"),
        ("Great service, even if the website is a bit slow.", "positive"),
    ],
)
def test_a_concession_weighs_less(text: str, expected: str) -> None:
    assert sentiment(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Je voulais savoir si mon dossier est complet.",
        "I wanted to know whether my file is complete.",
        "J'espère que ce sera réglé rapidement.",
        "I hope it gets sorted quickly.",
    ],
)
def test_a_wish_or_an_indirect_question_judges_nothing(text: str) -> None:
    assert sentiment(text) == "neutral"


@pytest.mark.parametrize(
    "text",
    [
        "Je m'attendais à mieux.",
        "J'espérais une meilleure qualité.",
        "I expected better.",
        "Was hoping for more, to be honest.",
    ],
)
def test_an_unmet_expectation_disappoints(text: str) -> None:
    result = analyse(text)
    assert result.sentiment_class == "negative", text
    assert "disappointment" in result.emotions, text
    assert "satisfaction" not in result.emotions, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bof, ni bien ni mal.", "neutral"),
        ("Meh, neither good nor bad.", "neutral"),
        ("Ni rapide ni efficace.", "negative"),
        ("Neither fast nor friendly.", "negative"),
    ],
)
def test_a_balance_says_no_judgement_but_a_double_negation_complains(
    text: str, expected: str
) -> None:
    assert sentiment(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        'Un conseiller très "réactif" : trois semaines sans réponse.',
        "Un service « rapide » : un mois pour une carte.",
        "A really 'helpful' adviser who hung up on me.",
        "Such a “quick” service: a month for a card.",
    ],
)
def test_praise_in_quotation_marks_mocks(text: str) -> None:
    result = analyse(text)
    assert result.sentiment_class == "negative", text
    assert "anger" in result.emotions, text


def test_the_apostrophes_of_elision_are_no_quotation_marks() -> None:
    assert analyse("C'est rapide et l'accueil est top").sentiment_class == "positive"
    assert analyse("It's quick and the staff's great").sentiment_class == "positive"


@pytest.mark.parametrize(
    "text", ["Bien joué, colis livré avec dix jours de retard.", "Well done, parcel ten days late."]
)
def test_irony_is_read_after_the_irritants(text: str) -> None:
    result = analyse(text, taxonomy=TAXONOMY)
    assert result.sentiment_class == "negative", text
    assert "joy" not in result.emotions, text


@pytest.mark.parametrize(
    "text",
    [
        "Magnifique, une attente de deux heures au guichet.",
        "Superb, another parcel late.",
        "Merci pour ce retard de trois semaines.",
        "Thanks for leaving me on hold all morning.",
        "Brilliant, on hold again",
    ],
)
def test_stock_praise_beside_a_lone_irritant_is_sarcasm(text: str) -> None:
    result = analyse(text, taxonomy=TAXONOMY)
    assert result.sentiment_class == "negative", text
    assert "anger" in result.emotions, text


def test_praise_of_its_own_beside_an_irritant_is_meant() -> None:
    for text in ("Un peu d'attente, mais conseillère efficace et souriante.", "Late, but great!"):
        assert sentiment(text) == "positive", text
    assert sentiment("Thanks for the quick answer") == "positive"


@pytest.mark.parametrize(
    "text", ["Je ne comprends pas et ça m'inquiète.", "It isn't fixed and I am worried."]
)
def test_a_new_subject_ends_the_negation(text: str) -> None:
    result = analyse(text)
    assert result.sentiment_class == "negative", text
    assert "worry" in result.emotions, text


@pytest.mark.parametrize("text", ["Toujours pas content", "Still not happy with it"])
def test_a_phrase_ending_on_a_negation_negates_what_follows(text: str) -> None:
    result = analyse(text)
    assert result.sentiment_class == "negative", text
    assert "satisfaction" not in result.emotions, text


def test_shorthand_reads_as_the_word() -> None:
    assert analyse("tjrs pa content", "fr").sentiment_class == "negative"
    assert "gratitude" in analyse("thx for ur help").emotions


def test_short_units_after_a_number() -> None:
    assert tokens("2h", "fr")[1].root == tokens("2 heures", "fr")[1].root
    assert tokens("45 mins", "en")[1].root == tokens("45 minutes", "en")[1].root
    assert tokens("h", "fr")[0].root != tokens("heures", "fr")[0].root


def test_adverbs_inside_a_keyword_do_not_hide_it() -> None:
    for text in ("Pas encore remboursé", "Not yet refunded"):
        assert [t.id for t in analyse(text, taxonomy=TAXONOMY).topics] == ["refund-delay"]
