"""``cxloop journey-map load``: the command the actions service adds to the command line.

Kept apart from ``commands.py`` so that building the parser (``cxloop --help``, every
``cxloop serve``) does not import the database and broker stack.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``journey-map load`` to the sub-commands of the ``cxloop`` parser."""
    cmd = commands.add_parser("journey-map", help="the journey map (owned by actions)")
    journey_map = cmd.add_subparsers(required=True, metavar="ACTION")
    cmd = journey_map.add_parser(
        "load", help="validate, store and publish a map (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS)"
    )
    cmd.add_argument("file", help="YAML, or JSON when it ends in .json")
    cmd.add_argument("--created-by", default="cxloop-cli", help="recorded with the version")
    cmd.set_defaults(func=load)


_NO_DATABASE = (
    "DATABASE_URL is not set: this command writes to a deployment's database and broker "
    "(DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS). Beside `make run`, send the map to the running "
    'system instead: the console\'s Operations page ("Journey map"), or PUT /v1/journey-map '
    "on actions with the run's key."
)


def load(args: argparse.Namespace) -> int:
    """Exit 0 when stored and published, 1 for a bad file, 2 without a database, 3 when
    no broker answers (nothing stored) or the version is stored but not yet published."""
    from aiokafka.errors import KafkaError

    from services.actions.config import ActionsSettings
    from services.actions.journey.commands import load_file
    from shared.kafka.producer import IdempotenceRefused
    from shared.problems import ProblemError

    settings = ActionsSettings()
    if settings.database_url is None:
        print(_NO_DATABASE, file=sys.stderr)
        return 2
    try:
        loaded = asyncio.run(load_file(settings, Path(args.file), args.created_by))
    except OSError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    except ProblemError as exc:
        print(f"{args.file}: {exc.title}: {exc.detail}", file=sys.stderr)
        for error in exc.errors or []:
            print(f"  {error.field}: {error.message}", file=sys.stderr)
        return 1
    except KafkaError as exc:
        print(f"no broker answers, nothing stored: {exc}", file=sys.stderr)
        return 3
    except IdempotenceRefused as exc:
        print(f"nothing stored: {exc}", file=sys.stderr)
        return 3
    state = "stored as" if loaded.created else "unchanged, already"
    print(f"journey map {state} version {loaded.version} (sha256 {loaded.checksum})")
    if not loaded.published:
        print("not published yet: the actions service publishes it when it starts")
        return 3
    return 0
