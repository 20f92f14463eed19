from services.alerts.models import SCHEMA, metadata
from shared.db.alembic_env import run

run(metadata, SCHEMA)
