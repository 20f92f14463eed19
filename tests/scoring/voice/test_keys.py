"""How a keyword meets the many ways customers word it: negations, inabilities, families of
words, typing slips, either order, and the longer keyword winning an overlap."""

from __future__ import annotations

import pytest

from services.scoring.voice.analyser import analyse
from services.scoring.voice.text import root
from services.scoring.voice.topics import Taxonomy, Topic

TAXONOMY = Taxonomy(
    [
        Topic("late", "root_cause", {"fr": ["pas arrivé"], "en": ["not arrived"]}),
        Topic(
            "reach",
            "root_cause",
            {"fr": ["impossible de joindre"], "en": ["unable to reach"]},
        ),
        Topic("refused", "root_cause", {"fr": ["carte refusée"], "en": ["card declined"]}),
        Topic("idle", "root_cause", {"fr": ["poireauter"], "en": ["dawdle"]}),
        Topic("refund", "root_cause", {"fr": ["remboursement"], "en": ["reimbursement"]}),
        Topic("wait", "root_cause", {"fr": ["longue attente"], "en": ["long queue"]}),
        Topic("slow", "root_cause", {"fr": ["délai de livraison"], "en": ["transferred me"]}),
        Topic("fees", "root_cause", {"fr": ["frais cachés"], "en": ["hidden fees"]}),
        Topic("warned", "root_cause", {"fr": ["pas prévenu"], "en": ["not told"]}),
        Topic("broke", "root_cause", {"fr": ["ne marche plus"], "en": ["stopped working"]}),
        Topic("site", "root_cause", {"fr": ["site ne marche pas"], "en": ["app doesn't work"]}),
        Topic("payment", "root_cause", {"en": ["payment not arrived"]}),
        Topic("credit", "root_cause", {"fr": ["avoir jamais reçu"]}),
    ]
)


def _topics(text: str, language: str) -> list[str]:
    return [t.id for t in analyse(text, language, TAXONOMY).topics]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("La lampe n'est jamais arrivée.", "fr"),
        ("Mon colis n'est toujours pas arrivé", "fr"),
        ("The lamp never arrived.", "en"),
        ("The lamp didn't arrive.", "en"),
        ("The lamp hasn't even arrived", "en"),
    ],
)
def test_a_negation_is_one_key_whatever_its_auxiliary(text: str, language: str) -> None:
    assert _topics(text, language) == ["late"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Je n'ai pas pu joindre le standard", "fr"),
        ("Je ne peux pas joindre mon agence", "fr"),
        ("Je ne peux plus joindre personne", "fr"),
        ("I couldn't reach the helpline", "en"),
        ("I can't reach anybody", "en"),
        ("I was not able to reach my branch", "en"),
    ],
)
def test_an_inability_is_one_key(text: str, language: str) -> None:
    assert _topics(text, language) == ["reach"]


def test_still_between_a_verb_and_its_negation_hides_nothing() -> None:
    assert _topics("Le site ne marche toujours pas", "fr") == ["site"]
    assert _topics("The app still doesn't work", "en") == ["site"]
    assert _topics("Le site ne marche même pas", "fr") == ["site"]


def test_sans_no_and_plus_keep_keys_of_their_own() -> None:
    # "sans prévenir" reads as the manner of another irritant, not as "pas prévenu"
    assert _topics("Rendez-vous déplacé sans prévenir.", "fr") == []
    assert _topics("On ne m'a pas prévenu du changement", "fr") == ["warned"]
    # it broke ("ne marche plus") is not it does not work ("ne marche pas")
    assert _topics("La bouilloire ne marche pas bien", "fr") == []
    assert _topics("La bouilloire ne marche plus", "fr") == ["broke"]


def test_a_family_meets_its_words_inside_a_phrase_only() -> None:
    assert _topics("Ma CB a été rejetée deux fois", "fr") == ["refused"]
    assert _topics("Card rejected at the till", "en") == ["refused"]
    # "poireauter" names a long wait alone: "attendre", of its family, does not
    assert _topics("J'attends votre réponse", "fr") == []


def test_a_typing_slip_meets_the_keyword_word() -> None:
    assert _topics("Le rembousement tarde", "fr") == ["refund"]
    assert _topics("The reimbursment is late", "en") == ["refund"]
    # a word the dictionary knows is no slip, nor is a changed first letter
    assert _topics("Remboursable sous trente jours", "fr") == []
    assert _topics("No feimbursement", "en") == []


def test_two_words_side_by_side_also_meet_in_the_other_order() -> None:
    assert _topics("L'attente au guichet était longue", "fr") == ["wait"]
    assert _topics("The queue was really long", "en") == ["wait"]
    # a link word or a short word carries the order: those keywords keep theirs
    assert _topics("Livraison dans les délais", "fr") == []
    assert _topics("I asked to make a transfer", "en") == []


def test_a_keyword_right_after_a_negator_is_no_irritant() -> None:
    assert _topics("Offre simple, sans frais cachés", "fr") == []
    assert _topics("No hidden fees, clear pricing", "en") == []
    assert _topics("Des frais cachés partout", "fr") == ["fees"]


def test_the_longer_keyword_of_another_topic_wins_an_overlap() -> None:
    assert _topics("My payment has not arrived", "en") == ["payment"]
    assert _topics("My parcel has not arrived", "en") == ["late"]
    assert _topics("Le site qui ne marche pas, encore", "fr") == ["site"]
    assert _topics("The app that never works", "en") == ["site"]


def test_an_auxiliary_behind_ne_is_no_word_of_the_keyword() -> None:
    # "je ne l'ai jamais reçu": "ai" is the verb's auxiliary, not a credit note ("avoir")
    assert _topics("Je ne l'ai jamais reçu", "fr") == []
    assert _topics("Mon avoir jamais reçu", "fr") == ["credit"]


def test_a_family_word_is_covered_by_the_keywords_of_its_family() -> None:
    roots = TAXONOMY.roots()
    assert root("carte", "fr") in roots
    assert root("cb", "fr") in roots  # of the family of "carte"
    assert root("rejected", "en") in roots  # of the family of "declined"
