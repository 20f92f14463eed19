"""The analysis endpoint's work: compile the taxonomy once, read every text."""

from __future__ import annotations

from services.scoring.voice.analyser import analyse
from services.scoring.voice.schemas import AnalyseRequest, AnalyseResponse, AnalysisRead, TopicRead
from services.scoring.voice.taxonomy import PublishedTaxonomy, taxonomy_of
from services.scoring.voice.topics import Taxonomy
from shared.journey import JourneyMap

_published = PublishedTaxonomy()


def published_taxonomy(journey_map: JourneyMap | None) -> Taxonomy:
    return _published.of(journey_map)


def analyse_batch(body: AnalyseRequest, journey_map: JourneyMap | None) -> AnalyseResponse:
    """Pure CPU, bounded by the request's limits (100 texts of 5,000 characters)."""
    if body.root_causes is None:
        taxonomy = _published.of(journey_map)
    else:
        taxonomy = taxonomy_of(journey_map, body.root_causes)
    items = []
    for verbatim in body.texts:
        result = analyse(verbatim.text, verbatim.language, taxonomy)
        items.append(
            AnalysisRead(
                touchpoint=verbatim.touchpoint,
                language=result.language,
                sentiment=result.sentiment,
                sentiment_class=result.sentiment_class,
                emotions=result.emotions,
                topics=[
                    TopicRead(id=t.id, kind=t.kind, terms=list(t.terms), sentiment=t.sentiment)
                    for t in result.topics
                ],
                mixed=result.mixed,
            )
        )
    return AnalyseResponse(items=items)
