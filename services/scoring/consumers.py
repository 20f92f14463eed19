"""What scoring consumes: every consumer of the service, its topics and its group.

The handlers live with their domain; this registry only names them. The experience
ignores the late events of erased customers; the privacy consumer is the erasure.
"""

from __future__ import annotations

from services.scoring.config import ScoringSettings
from services.scoring.experience.service import ExperienceService
from services.scoring.models import customer_erasure
from services.scoring.privacy.erasure import erase_customer
from shared.erasure import ErasureConsumer, skipping_erased
from shared.events.topics import CUSTOMERS, INTERACTIONS, PRIVACY, SURVEY_RESPONSES
from shared.kafka.runner import ConsumerSpec

ERASURE_FETCH_WAIT_MS = 500  # aiokafka's default


def consumer_specs(settings: ScoringSettings, experience: ExperienceService) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name="experience",
            topics=(INTERACTIONS, SURVEY_RESPONSES, CUSTOMERS),
            group="scoring",
            handler=skipping_erased(customer_erasure, experience.apply),
            max_batch=settings.consumer_batch,
            instances=settings.consumer_instances,
        ),
        ConsumerSpec(
            name="privacy",
            topics=(PRIVACY,),
            group="scoring-privacy",
            handler=ErasureConsumer("scoring", customer_erasure, erase_customer).handle,
            # Erasure requests are rare and need no alert's latency: an idle consumer at
            # the services' 50 ms wait spends ~1 % of a core on empty fetches.
            fetch_max_wait_ms=ERASURE_FETCH_WAIT_MS,
        ),
    ]
