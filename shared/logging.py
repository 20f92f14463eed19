"""JSON logs for every process: ours through structlog, the libraries' through stdlib logging.

Bind ``event_id``, ``customer_id`` or ``task_id`` with ``structlog.contextvars`` where they
apply and every line logged in that context carries them.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # no local variables in tracebacks: they hold API keys, passwords and customers' data
    plain = structlog.dev.ConsoleRenderer(
        exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False)
    )
    renderer: structlog.typing.Processor = structlog.processors.JSONRenderer() if json else plain
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HiddenTokens) for f in access.filters):
        access.addFilter(HiddenTokens())
    # aiokafka logs every failed reconnect at ERROR; the health endpoints report the state.
    # httpx logs each request at INFO with its whole URL: a webhook's carries its receiver's
    # password or token (user:password@host), which no log line may hold. Deliveries log
    # their own outcome without the URL.
    for name in ("aiokafka", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


# A hosted survey's address holds its link's token, a bearer secret (whoever has it answers
# for the customer): the access log writes the path with the token left out.
_TOKEN_PATH = re.compile(r"^(/s/)(?!assets/)[^/?#]+")


class HiddenTokens(logging.Filter):
    """Uvicorn's access lines (client, method, path, HTTP version, status) without the
    token of a survey link's path: ``/s/[token]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args: Any = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], _TOKEN_PATH.sub(r"\1[token]", args[2]), *args[3:])
        return True
