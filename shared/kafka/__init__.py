"""cxloop's Kafka kit. Importing it keeps this process's clients from asking the broker to
create a topic (see ``readiness.forbid_auto_creation``)."""

from shared.kafka.readiness import forbid_auto_creation

forbid_auto_creation()
