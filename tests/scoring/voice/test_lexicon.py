"""The lexicon files: each term once, each readable, each reachable."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.scoring.voice.lexicon import EMOTIONS, lexicon

LEXICONS = Path(__file__).parents[3] / "services/scoring/voice/lexicons"


@pytest.mark.parametrize("name", ["fr", "en", "common"])
def test_each_term_once_with_a_valence_in_range(name: str) -> None:
    terms: list[str] = []
    for line in (LEXICONS / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            term, valence, emotions = (part.strip() for part in line.split("|"))
            terms.append(term.lower())
            assert -1 <= float(valence) <= 1, line
            assert set(filter(None, emotions.split(","))) <= set(EMOTIONS), line
    repeated = {t for t in terms if terms.count(t) > 1}
    assert not repeated


@pytest.mark.parametrize("language", ["fr", "en"])
def test_several_hundred_entries_per_language(language: str) -> None:
    loaded = lexicon(language)
    entries = {e.term for e in loaded.words.values()}
    entries |= {e.term for phrases in loaded.phrases.values() for _, e in phrases}
    assert len(entries) >= 600
