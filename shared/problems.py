"""RFC 9457 problem details for every error a service returns.

Validation problems list each offending value as ``errors: [{location, field, pointer?,
message, code?}]``, one convention for every endpoint:

- ``location`` is where the value was sent: ``body``, ``query``, ``path`` or ``header``
  (OpenAPI's ``in``);
- ``field`` is its dotted path *within* that location: ``items.3.nps`` in the body, ``from``
  for the query parameter ``?from=``;
- ``pointer`` is a JSON pointer into the request body (``#/items/3/nps``), for body values
  only: a parameter has no place in the body;
- ``code``, where a service gives one, names the kind of error (``recontact_in_future``) so
  that a client can word it in its own language: every error found by pydantic has one, its
  error type (``missing``, ``string_too_long``, or a model's own ``unknown_touchpoint``);
- ``params``, where the code has any, the values its wording needs (``{"max_length": 200}``):
  pydantic's error context, scalars only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from math import isfinite
from typing import Any, Literal, cast

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic_core import PydanticCustomError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.events.values import IDENTIFIER_PATTERN, SLUG_PATTERN, UNSTORABLE, UNSTORABLE_TEXT

PROBLEM_JSON = "application/problem+json"
# The scope's key under which the app keeps a request's JSON body (``shared.http.BodyLimit``)
JSON_BODY = "cxloop.json_body"
log = structlog.get_logger(__name__)


Location = Literal["body", "query", "path", "header", "cookie"]
Param = str | int | float | bool
_LOCATIONS: frozenset[str] = frozenset({"body", "query", "path", "header", "cookie"})


class FieldError(BaseModel):
    location: Location = "body"
    field: str = Field(description="Dotted path within the location: `items.3.nps`, `from`.")
    pointer: str | None = Field(
        default=None, description="JSON pointer into the request body, for body values only."
    )
    message: str
    code: str | None = Field(
        default=None,
        exclude_if=lambda code: code is None,  # absent, not null, where there is none
        description="A stable name for this kind of error where the service gives one "
        "(`recontact_in_future`), for clients that word it themselves; `message` is English.",
    )
    params: dict[str, Param] | None = Field(
        default=None,
        exclude_if=lambda params: not params,  # absent where the code names no value
        description='The values the code\'s wording needs (`{"max_length": 200}`).',
    )


class Problem(BaseModel):
    """The body of an error response (``application/problem+json``)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def field_error(
    path: Sequence[str | int],
    message: str,
    code: str | None = None,
    params: Mapping[str, Param] | None = None,
) -> FieldError:
    """An invalid value of the request body at ``path`` (``("items", 3, "nps")``)."""
    parts = [str(part) for part in path]
    return FieldError(
        field=".".join(parts) or "(body)",
        pointer="#" + "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts),
        message=message.removeprefix("Value error, "),
        code=code,
        params=dict(params or {}),
    )


def parameter_error(
    name: str,
    message: str,
    location: Location = "query",
    code: str | None = None,
    params: Mapping[str, Param] | None = None,
) -> FieldError:
    """An invalid request parameter (``?from=``, a path segment, a header)."""
    message = message.removeprefix("Value error, ")
    return FieldError(
        location=location, field=name, message=message, code=code, params=dict(params or {})
    )


def located_error(
    loc: Sequence[str | int],
    message: str,
    code: str | None = None,
    params: Mapping[str, Param] | None = None,
) -> FieldError:
    """An error at a FastAPI validation location (``("query", "from")``, ``("body", "items",
    3)``)."""
    where, *rest = loc or ("body",)
    if where == "body" or where not in _LOCATIONS:
        return field_error(rest if where == "body" else loc, message, code, params)
    name = ".".join(map(str, rest))
    return parameter_error(name, message, cast(Location, where), code, params)


def field_errors(
    pydantic_errors: Iterable[Any], prefix: Sequence[str | int] = ()
) -> list[FieldError]:
    """Translate pydantic's error list for a body value, placing each under ``prefix``."""
    return [
        field_error((*prefix, *err["loc"]), message_of(err), *coded(err)) for err in pydantic_errors
    ]


# What cxloop's patterns ask for, in words: pydantic's message quotes the regex alone
# ("String should match pattern '^[\x21-\x7e]+$'"), which few integrators read at a glance.
PATTERN_WORDS = {
    IDENTIFIER_PATTERN: "must be visible ASCII characters only (letters without accents, "
    "digits, punctuation; no space)",
    SLUG_PATTERN: "must be lower-case letters without accents, digits, '.', '_' or '-', "
    "starting with a letter or a digit",
}


def message_of(pydantic_error: Any) -> str:
    """The English message of one of pydantic's errors; a pattern of cxloop's in words, its
    regex after them."""
    message = str(pydantic_error["msg"])
    if pydantic_error.get("type") == "string_pattern_mismatch":
        pattern = str((pydantic_error.get("ctx") or {}).get("pattern"))
        words = PATTERN_WORDS.get(pattern)
        if words is not None:
            return f"{words}: pattern {pattern}"
    return message


def coded(pydantic_error: Any) -> tuple[str | None, dict[str, Param]]:
    """The code (pydantic's error type) and params (its context) of one of pydantic's errors.

    A context value that is not a scalar is written as text, or left out when it is the
    exception a validator raised (``value_error``'s ``error``: the message says it already).
    """
    params: dict[str, Param] = {}
    for name, value in (pydantic_error.get("ctx") or {}).items():
        if not isinstance(value, BaseException):
            params[str(name)] = _scalar(value)
    return pydantic_error.get("type"), params


def _scalar(value: Any) -> Param:
    if isinstance(value, bool | int | str) or (isinstance(value, float) and isfinite(value)):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        return float(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)  # JSON has no infinity nor NaN; an Enum, a pattern: their text


def coded_error(code: str, message: str, **params: Any) -> PydanticCustomError:
    """A validation error with a stable ``code`` (its pydantic type) and the ``params`` a
    client words it with, whose English text is ``message`` as written.

    pydantic writes a param into the message where the message holds its name in braces
    (``{id}``); ids are slugs, without braces, so only a keyword that holds one could be
    written over."""
    return PydanticCustomError(code, message, params or None)


@dataclass
class ProblemError(Exception):
    status: int
    title: str
    detail: str | None = None
    errors: list[FieldError] | None = None
    headers: dict[str, str] | None = None
    type: str = "about:blank"


def problem_response(request: Request, exc: ProblemError) -> JSONResponse:
    body = Problem(
        type=exc.type,
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        instance=request.url.path,
        errors=exc.errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=exc.status,
        media_type=PROBLEM_JSON,
        headers=exc.headers,
    )


def invalid(errors: list[FieldError]) -> ProblemError:
    """The 422 for invalid values, each named in ``errors``."""
    return ProblemError(422, "Request is invalid", f"{len(errors)} invalid field(s)", errors)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    unreadable = [err for err in exc.errors() if err.get("type") == "json_invalid"]
    if unreadable:
        # FastAPI places the character where reading stopped as if it were a member: the
        # body has no fields yet, and the answer is the one for a body that is not JSON
        *_, at = unreadable[0].get("loc") or ("body", 0)
        reason = (unreadable[0].get("ctx") or {}).get("error", "not JSON")
        detail = f"the body is not JSON: {reason} at character {at}"
        return problem_response(request, ProblemError(400, "Malformed request", detail))
    content_type = request.headers.get("content-type")
    if any(_whole_body(err) for err in exc.errors()) and not reads_as_json(content_type):
        # not read as JSON at all: the media type is wrong, not the fields (RFC 9110 15.5.16)
        media_type = _media_type(content_type)
        sent = f"as {media_type}" if media_type else "without a Content-Type"
        detail = f"the body must be sent as application/json; it was sent {sent}"
        problem = ProblemError(415, "Unsupported media type", detail)
        return problem_response(request, problem)
    errors = [located_error(err["loc"], message_of(err), *coded(err)) for err in exc.errors()]
    return problem_response(request, invalid(errors))


# what FastAPI says of a body it did not read as JSON, where it takes an object or a list
_NOT_A_DOCUMENT = frozenset({"model_attributes_type", "dict_type", "model_type", "list_type"})


def _whole_body(error: Any) -> bool:
    return tuple(error.get("loc") or ()) == ("body",) and error.get("type") in _NOT_A_DOCUMENT


def reads_as_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body of this ``Content-Type`` as JSON: ``application/json``
    or ``application/<anything>+json``; none at all it does not (its content type is
    strict)."""
    media_type = _media_type(content_type)
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


async def http_problem(request: Request, exc: Exception) -> JSONResponse:
    """A Starlette ``HTTPException`` (404, 405…) as problem+json."""
    assert isinstance(exc, StarletteHTTPException)
    titles = {400: "Malformed request", 404: "Not found", 405: "Method not allowed"}
    title = titles.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(
        request, ProblemError(exc.status_code, title, detail, headers=dict(exc.headers or {}))
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    return _known(request, exc) or _internal_error(request)


def _known(request: Request, exc: Exception) -> JSONResponse | None:
    if _caused_by(exc, _UNSTORABLE):
        errors = unstorable_fields(request)
        if errors:
            problem = invalid(errors)
        else:
            detail = "a text contains a character that cannot be stored (such as NUL, \\u0000)"
            problem = ProblemError(422, "Request is invalid", detail)
        return problem_response(request, problem)
    if _caused_by(exc, _ROLLED_BACK):
        log.warning(
            "transaction rolled back by the database", path=request.url.path, error=repr(exc)
        )
        detail = "the request met a concurrent change and nothing of it was kept: send it again"
        problem = ProblemError(503, "Try again", detail, headers={"Retry-After": "1"})
        return problem_response(request, problem)
    return None


def unstorable_fields(request: Request) -> list[FieldError]:
    """Where the request holds a text PostgreSQL cannot store: its path and query
    parameters, and its JSON body when the app kept it (``JSON_BODY``)."""
    parameters: list[tuple[Location, Iterable[tuple[str, Any]]]] = [
        ("path", request.path_params.items()),
        ("query", request.query_params.multi_items()),
    ]
    found = [
        parameter_error(name, UNSTORABLE, where, "unstorable_character")
        for where, items in parameters
        for name, value in items
        if isinstance(value, str) and UNSTORABLE_TEXT.search(value)
    ]
    body = request.scope.get(JSON_BODY)
    if body:
        try:
            document = json.loads(body)
        except ValueError:
            return found
        found += [
            field_error(path, UNSTORABLE, "unstorable_character") for path in _unstorable(document)
        ]
    return found


def _unstorable(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """The paths of the texts (member names included) in a JSON document that hold NUL or
    a lone surrogate."""
    if isinstance(value, str):
        if UNSTORABLE_TEXT.search(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if UNSTORABLE_TEXT.search(key):
                yield (*path, key)
            else:
                yield from _unstorable(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable(item, (*path, index))


def _internal_error(request: Request) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path)
    return problem_response(request, ProblemError(500, "Internal error"))


# PostgreSQL refused a text or JSON value sent by the client (a NUL character): the
# client's mistake, whichever parameter carried it, and nothing was stored. The handler
# names the fields that hold one (``unstorable_fields``).
_UNSTORABLE = (
    asyncpg.exceptions.CharacterNotInRepertoireError,
    asyncpg.exceptions.UntranslatableCharacterError,
)
# PostgreSQL rolled the transaction back to break a deadlock or a serialization conflict
# (SQLSTATE class 40): nothing was kept, and the same request sent again can succeed.
_ROLLED_BACK = (asyncpg.exceptions.TransactionRollbackError,)


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """``exc`` is, wraps (SQLAlchemy's ``orig``) or was raised from one of ``kinds``."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kinds) or isinstance(getattr(seen, "orig", None), kinds):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, http_problem)
    # A database error is answered by Starlette's exception middleware, registered under
    # its own class: as a mere Exception it would be answered by the server-error
    # middleware, which raises it again once it has answered, and the server then closes
    # the connection, failing the client's next request on it.
    app.add_exception_handler(DBAPIError, _on_unexpected)
    app.add_exception_handler(asyncpg.PostgresError, _on_unexpected)
    app.add_exception_handler(Exception, _on_unexpected)


def problem_doc(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for a problem+json answer, for an endpoint's ``responses``."""
    return {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: problem_doc(description)
    for status, description in {
        # a body that is not even JSON (e.g. not UTF-8): refused before validation
        400: "Malformed request",
        401: "Missing or unknown API key",
        403: "API key lacks the required scope",
        413: "Request body too large",
        422: "Invalid request; `errors` names each value by location and field",
    }.items()
}
