"""The analyser on hand-written cases, one per phenomenon, in French and in English."""

from __future__ import annotations

import time

import pytest

from services.scoring.voice.analyser import analyse
from services.scoring.voice.lexicon import warm
from services.scoring.voice.text import NUMBER, normalise, tokens
from services.scoring.voice.topics import Taxonomy, Topic

TAXONOMY = Taxonomy(
    [
        Topic(
            "late-delivery", "root_cause", {"fr": ["livraison en retard", "retard"], "en": ["late"]}
        ),
        Topic("delivery", "touchpoint", {"fr": ["livraison"], "en": ["delivery"]}),
        Topic("long-wait", "root_cause", {"fr": ["attente"], "en": ["on hold", "wait"]}),
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Je ne suis pas du tout satisfait", "negative"),
        ("Ce n'est pas terrible", "negative"),
        ("pas mal du tout", "positive"),
        ("Aucun problème, livraison rapide", "positive"),
        ("not bad at all", "positive"),
        ("I'm not happy with it", "negative"),
        ("No problem at all, quick and easy", "positive"),
        ("It doesn't work", "negative"),
    ],
)
def test_negation_and_its_scope(text: str, expected: str) -> None:
    assert analyse(text).sentiment_class == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Je n'ai jamais eu de problème avec vous.", "positive"),
        ("Je n'ai jamais été aussi mal reçu.", "negative"),
        ("I have never been so badly treated.", "negative"),
        ("Je pensais que ce serait plus simple.", "negative"),
        ("I thought switching would be easier.", "negative"),
        ("Le colis est arrivé en morceaux.", "negative"),
        ("Depuis 3 semaines, toujours rien.", "negative"),
        ("Waited for 2 hours on the phone.", "negative"),
    ],
)
def test_scope_and_facts_that_complain(text: str, expected: str) -> None:
    assert analyse(text).sentiment_class == expected


def test_a_unit_of_time_counted_by_its_article_is_a_number() -> None:
    for text, language in (
        ("une heure au guichet", "fr"),
        ("quelques jours de plus", "fr"),
        ("a week later", "en"),
        ("a few days ago", "en"),
    ):
        assert NUMBER in [t.root for t in tokens(normalise(text), language)], text
    # a rate is no count: "a" after a number stays an article
    assert [t.root for t in tokens("£40 a month", "en")][:2] == [NUMBER, "a"]
    assert analyse("Stuck on hold for an hour.").sentiment_class == "negative"


def test_intensifiers_and_diminishers() -> None:
    assert (
        analyse("très déçu").sentiment
        < analyse("déçu").sentiment
        < analyse("un peu déçu").sentiment
    )
    assert (
        analyse("really good").sentiment
        > analyse("good").sentiment
        > analyse("slightly good").sentiment
    )


def test_elision_accents_and_their_absence() -> None:
    for text in ("Je suis déçue", "je suis decue", "J’suis DÉÇUE", "c'est décevant"):
        result = analyse(text)
        assert (result.language, result.sentiment_class) == ("fr", "negative"), text
        assert "disappointment" in result.emotions, text


def test_simplest_irony() -> None:
    for text in ("Colis encore en retard. Génial...", "Parcel late again. Great..."):
        result = analyse(text)
        assert result.sentiment_class == "negative", text
        assert "joy" not in result.emotions, text
        assert "anger" in result.emotions, text
    assert analyse("Livraison rapide. Génial !").sentiment_class == "positive"


@pytest.mark.parametrize(
    "text",
    [
        # a lone praise word before "another" or "again", however mild the complaint
        "Great, another dropped call in the middle of a job interview. Brilliant network.",
        "Génial, encore un retard de livraison.",
        "Perfect, again no answer from support",
        # an eye roll or an upside-down face turns the praise around it
        "Such helpful staff 🙄",
        "Great service 🙃",
        # congratulations addressed to the company itself, in a verbatim that complains
        "Impossible de me connecter depuis 3 jours, code SMS jamais reçu. Bravo la banque.",
        "Two weeks without internet. Well done the support team.",
    ],
)
def test_sarcasm_by_its_signs(text: str) -> None:
    result = analyse(text)
    assert result.sentiment_class == "negative", text
    assert "joy" not in result.emotions, text
    assert "anger" in result.emotions, text


@pytest.mark.parametrize(
    "text",
    [
        "Thanks again for your help!",
        "Merci encore pour votre aide",
        "Great, another successful delivery, thank you!",
        "Lovely staff, quick delivery, great again!",
        "Bravo au conseiller qui a tout réglé malgré le retard",
        "Bravo la banque, service parfait",
    ],
)
def test_praise_given_again_is_meant(text: str) -> None:
    assert analyse(text).sentiment_class == "positive", text


def test_typos_within_reason() -> None:
    assert analyse("très satisfiat").sentiment_class == "positive"
    assert analyse("really dissapointed").sentiment_class == "negative"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("RAS", "fr", "neutral"),
        ("N/A", "und", "neutral"),
        ("nickel", "fr", "positive"),
        ("Rien à signaler", "fr", "neutral"),
        ("Nothing to report", "en", "neutral"),
        ("spot on", "en", "positive"),
    ],
)
def test_very_short_answers(text: str, language: str, expected: str) -> None:
    result = analyse(text)
    assert (result.language, result.sentiment_class) == (language, expected)


def test_mixed_sentiment_keeps_both_sides() -> None:
    for text in (
        "Le conseiller était très aimable mais l'attente était interminable.",
        "The staff were lovely but the wait was far too long.",
    ):
        result = analyse(text, taxonomy=TAXONOMY)
        assert result.mixed, text
        assert result.sentiment_class == "negative", text
        assert "frustration" in result.emotions, text
        assert {"satisfaction", "joy"} & set(result.emotions), text
        assert [t.id for t in result.topics] == ["long-wait"], text


def test_topics_on_lemmas_and_not_when_negated() -> None:
    found = analyse("Mes livraisons arrivent en retard, le livreur s'est excusé", taxonomy=TAXONOMY)
    assert [t.id for t in found.topics] == ["late-delivery", "delivery"]
    assert "livreur" in found.topics[1].terms
    assert [t.id for t in analyse("Aucun retard, merci", taxonomy=TAXONOMY).topics] == []
    assert [t.id for t in analyse("Not late at all", taxonomy=TAXONOMY).topics] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # spoken French: no "ne", the negator after the verb or its phrase
        ("Je recommande pas", "negative"),
        ("j'aime pas", "negative"),
        ("Je vous recommande pas du tout", "negative"),
        ("je recommanderai jamais cette banque", "negative"),
        ("j'aime vraiment pas", "negative"),
        # the negator turns what follows it, as before
        ("c'est pas terrible", "negative"),
        ("Je recommande, pas de souci", "positive"),
        ("je suis content pas de souci", "positive"),
    ],
)
def test_a_negator_after_the_verb_turns_it(text: str, expected: str) -> None:
    assert analyse(text, "fr").sentiment_class == expected


def test_a_problem_solved_is_praise_and_a_topic_stays_within_one() -> None:
    for text in ("merci de m'avoir rappelée si vite, problème réglé", "Problem solved, thanks"):
        found = analyse(text)
        assert found.sentiment_class == "positive", found
        assert not found.mixed, found
    assert analyse("problème toujours pas réglé").sentiment_class == "negative"
    advisor = Taxonomy([Topic("advisor", "touchpoint", {"fr": ["conseillère"]})])
    (topic,) = analyse("Pas mal du tout, conseillère au top 👍", "fr", advisor).topics
    assert topic.sentiment == 1.0  # two praises in its clause: held at the scale's end


@pytest.mark.parametrize(
    "text",
    [
        "Rien ne va. Rien.",
        "Je n'en peux plus de cette banque",
        "j'en peux plus",
        "Je vous remercie pour rien",
        "j'adore l'appli mais le tchat répond jamais",
        "le conseiller répond pas au téléphone",
    ],
)
def test_spoken_french_complaints(text: str) -> None:
    found = analyse(text, "fr")
    assert found.sentiment_class == "negative", found
    assert "gratitude" not in found.emotions


@pytest.mark.parametrize(
    "text",
    [
        "Attente de 40 minutes au téléphone pour une question de facture.",
        "Forty minutes on hold before anyone picked up the phone.",
    ],
)
def test_a_root_cause_named_without_an_opinion_word_reads_as_its_irritant(text: str) -> None:
    """The topic reads what its clause says once the irritant is counted, not the 0.0 of
    a clause that holds no opinion word."""
    found = analyse(text, taxonomy=TAXONOMY)
    (wait,) = found.topics
    assert wait.id == "long-wait"
    assert wait.sentiment <= -0.4
    assert found.sentiment_class == "negative"


def test_a_french_word_without_its_accents_that_is_english_is_no_evidence() -> None:
    # "usé" written "use", "refusé" written "refuse": English words as well
    assert analyse("I use online banking").language == "en"
    assert analyse("Use online banking").language != "fr"
    assert analyse("c'est usé").language == "fr"


def test_opening_hours_are_no_stretch_of_time() -> None:
    assert analyse("Opening hours on bank holidays?").sentiment_class == "neutral"
    assert analyse("Hours on the phone for nothing").sentiment_class == "negative"


def test_the_language_hint_decides_only_a_tie() -> None:
    assert analyse("Thanks, all good", "fr").language == "en"
    assert analyse("10/10", "fr").language == "fr"
    assert analyse("10/10").language == "und"


def test_poisoned_verbatims_are_read_within_budget() -> None:
    warm()
    poisons = [
        "a" * 10_000,
        "nul " * 2_500,
        "".join(chr(c) for c in range(32)) * 300,
        "\u202eالتوصيل متأخر جدا\u202c" * 200 + " שלום " * 100,
        "😡🤬💩" * 1_000 + "\u0000\ufeff\u200b",
        "\ud800 broken surrogate",
    ]
    for poison in poisons:
        started = time.process_time()
        result = analyse(poison, "fr", TAXONOMY)
        elapsed = time.process_time() - started
        assert -1 <= result.sentiment <= 1
        # at most 600 tokens are read: a few ms for the longest text, under 1 ms on average
        assert elapsed < 0.02, (poison[:20], elapsed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a word whose root is another word is matched as written
        ("pls sort it", "neutral"),
        ("Please help.", "neutral"),
        ("Please call me back, I was overcharged.", "negative"),
        ("Very pleased, it works and it's sorted.", "positive"),
        ("Took a day off work for nothing.", "negative"),
        # "propre" after a possessive is one's own, not clean
        ("Le vendeur ne connaît même pas les offres de sa propre boutique.", "negative"),
        ("Chambre très propre.", "positive"),
    ],
)
def test_words_whose_root_is_another_word(text: str, expected: str) -> None:
    assert analyse(text).sentiment_class == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zero complaints, very happy.", "positive"),
        ("Zéro souci.", "positive"),
        ("Zéro.", "negative"),
        ("Pas une seule coupure depuis que je suis passé à la fibre.", "positive"),
        ("Not a single scratch on it.", "positive"),
        ("Pas un seul appel en retour.", "negative"),
        ("Not a single reply to my emails.", "negative"),
    ],
)
def test_none_of_what_follows(text: str, expected: str) -> None:
    assert analyse(text).sentiment_class == expected


def test_a_damage_said_not_to_have_happened_is_no_topic() -> None:
    damaged = Taxonomy([Topic("damaged-item", "root_cause", {"en": ["scratch"]})])
    assert analyse("Not a single scratch on it.", "en", damaged).topics == ()
    assert [t.id for t in analyse("A scratch on the door.", "en", damaged).topics] == [
        "damaged-item"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour, je voudrais savoir si le modèle existe en noir. Merci", "neutral"),
        ("Merci de me rappeler au plus vite.", "neutral"),
        ("Can you call me back? Thanks", "neutral"),
        ("I'd like to upgrade to the unlimited plan please.", "neutral"),
        ("Je voudrais résilier mon abonnement, je déménage à l'étranger.", "neutral"),
        ("Order #45521 - please cancel.", "neutral"),
        ("Merci pour tout !", "positive"),
        ("Thanks a lot, the adviser was great.", "positive"),
        ("I want to say thank you to Tom, the last thing I could face was paperwork.", "positive"),
    ],
)
def test_a_request_and_its_thanks_judge_nothing(text: str, expected: str) -> None:
    assert analyse(text).sentiment_class == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0/10", "negative"),
        ("2/10, à éviter", "negative"),
        ("5/5", "positive"),
        ("8/10", "positive"),
        ("6/10", "neutral"),
        # numbers side by side are no mark: a range, a price, a time
        ("Refund promised in 3-5 days, still nothing.", "negative"),
        ("Frais de port annoncés à 4,90, passés à 12 €.", "neutral"),
        ("Ouvert de 8h30 à 12h.", "neutral"),
    ],
)
def test_a_mark_out_of_a_scale(text: str, expected: str) -> None:
    assert analyse(text).sentiment_class == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Carte grise reçue en 5 jours, franchement je m'attendais à pire.", "positive"),
        ("I expected worse, honestly.", "positive"),
        ("Je m'attendais à mieux.", "negative"),
        ("Fraud team refunded me within 24 hours. Genuinely relieved.", "positive"),
        ("Hold time was under 2 minutes.", "positive"),
        ("Réglé en moins de 10 minutes.", "positive"),
        ("It took 3 weeks to arrive.", "negative"),
        ("Le remboursement a pris 6 semaines.", "negative"),
        ("Je donnerai mon avis après quelques semaines d'utilisation.", "neutral"),
        # a stretch of time is as long inside a negation
        ("I haven't had a working line for 3 weeks.", "negative"),
    ],
)
def test_expectations_and_stretches_of_time(text: str, expected: str) -> None:
    assert analyse(text).sentiment_class == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon cellulaire est arrivé avec l'écran fissuré. Belle job...", "negative"),
        ("Génial...", "negative"),
        ("Génial !", "positive"),
        ("Colis reçu ce matin. Super.", "positive"),
    ],
)
def test_praise_trailing_off_is_sarcasm(text: str, expected: str) -> None:
    assert analyse(text).sentiment_class == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a phrase ending on a negator reaches an intensifier and its word, not a clause
        # written on without punctuation
        ("colis tjs pas arrivé jsuis degouté", "negative"),
        ("toujours pas très content", "negative"),
        ("still not really happy with it", "negative"),
    ],
)
def test_a_closing_negation_reaches_the_next_words_only(text: str, expected: str) -> None:
    assert analyse(text).sentiment_class == expected
