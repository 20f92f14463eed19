from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.scoring.voice.analyser import SentimentClass
from services.scoring.voice.topics import TopicKind
from shared.journey import RootCause

MAX_TEXTS = 100
MAX_TEXT_CHARS = 5000
# The largest body the analysis takes: its texts at their longest, each character written
# as a JSON \u escape (6 bytes) at worst, and 1 MiB for the rest (a draft taxonomy).
ANALYSE_MAX_BYTES = MAX_TEXTS * MAX_TEXT_CHARS * 6 + 1024 * 1024
Emotion = Literal[
    "anger", "frustration", "worry", "disappointment", "satisfaction", "joy", "gratitude"
]


class VerbatimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        max_length=MAX_TEXT_CHARS, description="The verbatim, as the customer wrote it"
    )
    language: Literal["fr", "en"] | None = Field(
        default=None, description="A hint: the survey's language. The text decides when it can."
    )
    touchpoint: str | None = Field(
        default=None, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$", description="Echoed back"
    )


class AnalyseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[VerbatimIn] = Field(min_length=1, max_length=MAX_TEXTS)
    root_causes: list[RootCause] | None = Field(
        default=None,
        max_length=200,
        description="A draft taxonomy to try instead of the published map's root causes.",
    )


class TopicRead(BaseModel):
    id: str
    kind: TopicKind
    terms: list[str] = Field(description="The words of the text that matched a keyword")
    sentiment: float = Field(description="Summed valence of the clauses it was found in")


class AnalysisRead(BaseModel):
    touchpoint: str | None
    language: Literal["fr", "en", "und"]
    sentiment: float = Field(ge=-1, le=1)
    sentiment_class: SentimentClass
    emotions: dict[Emotion, float] = Field(description="Emotion → confidence, strongest first")
    topics: list[TopicRead]
    mixed: bool = Field(description="Clear praise and clear complaint in the same text")


class AnalyseResponse(BaseModel):
    items: list[AnalysisRead]
