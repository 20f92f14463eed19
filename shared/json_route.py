"""A FastAPI route class for hot JSON endpoints: a request that validates skips FastAPI's
general request handler, any other request goes through it.

FastAPI's handler costs ~170 µs of CPU per request on a small machine, several times the
body's validation and the response's encoding: it parses the content type with the email
package, decodes the JSON into Python objects then validates them, solves dependencies
through a general resolver, then validates the returned model again before encoding it.
:class:`JsonRoute` does the same work the short way for the requests that succeed:
``model_validate_json`` on the raw body (pydantic's fastest path), each dependency called
with the request, the endpoint, the response encoded by FastAPI's own serializer. A body
that does not validate, or a request of any other kind, is handed to FastAPI's handler, so
errors (and their order: a malformed body before a missing key) are FastAPI's own.

Routes whose signature it does not cover (query, path, header or cookie parameters, a
dependency that yields or takes parameters other than the request, a custom response
class, a form) simply use FastAPI's handler.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response, params
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, _effective_route_context_var, serialize_response
from pydantic import BaseModel, ValidationError

from shared.problems import reads_as_json

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


@dataclass(frozen=True)
class _Plan:
    """How to call an endpoint without FastAPI's resolver."""

    body_name: str
    body_model: type[BaseModel]
    dependencies: tuple[tuple[str, Callable[[Request], Awaitable[Any]]], ...]
    request_name: str | None


class JsonRoute(APIRoute):
    """An :class:`APIRoute` with a short path for JSON bodies that validate (see the
    module's docstring); the OpenAPI document is the same as an ``APIRoute``'s."""

    def get_route_handler(self) -> Handler:
        standard = super().get_route_handler()
        # As APIRoute's: under an include, the route as included (its prefix, its
        # router's dependencies).
        effective = _effective_route_context_var.get()
        route: Any = self
        if effective is not None and effective.original_route is self:
            route = effective
        plan = _plan(route)
        if plan is None:
            return standard
        return _short_handler(route, plan, standard)


def _short_handler(route: Any, plan: _Plan, standard: Handler) -> Handler:
    status_code = route.status_code or 200

    async def handler(request: Request) -> Response:
        body = await request.body()
        if not body or not reads_as_json(request.headers.get("content-type")):
            return await standard(request)
        try:
            parsed = plan.body_model.model_validate_json(body)
        except ValidationError:
            return await standard(request)  # FastAPI's own errors, in its order
        values: dict[str, Any] = {plan.body_name: parsed}
        for name, dependency in plan.dependencies:
            values[name] = await dependency(request)
        if plan.request_name is not None:
            values[plan.request_name] = request
        result = await route.dependant.call(**values)
        if isinstance(result, Response):
            return result
        content = await serialize_response(
            field=route.response_field,
            response_content=result,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            dump_json=True,
        )
        return Response(content, status_code=status_code, media_type="application/json")

    return handler


def _plan(route: Any) -> _Plan | None:
    """The short way to call ``route``'s endpoint, or None when it takes anything but one
    JSON body model, the request and dependencies that are async functions of the request
    alone."""
    dependant: Dependant = route.dependant
    if (
        route.response_field is None
        or not isinstance(route.response_class, DefaultPlaceholder)
        or route._embed_body_fields
        or getattr(route, "is_json_stream", False)
        or len(dependant.body_params) != 1
        or dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or _special_parameters(dependant)
        or not inspect.iscoroutinefunction(dependant.call)
    ):
        return None
    [body] = dependant.body_params
    model = body.field_info.annotation
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    if isinstance(body.field_info, params.Form):  # File is a Form too
        return None
    dependencies = []
    for sub in dependant.dependencies:
        if not _request_only(sub) or sub.name is None:
            return None
        assert sub.call is not None
        dependencies.append((sub.name, sub.call))
    return _Plan(body.name, model, tuple(dependencies), dependant.request_param_name)


def _special_parameters(dependant: Dependant) -> bool:
    return any(
        name is not None
        for name in (
            dependant.websocket_param_name,
            dependant.http_connection_param_name,
            dependant.response_param_name,
            dependant.background_tasks_param_name,
            dependant.security_scopes_param_name,
        )
    )


def _request_only(dependant: Dependant) -> bool:
    """A dependency that is an async function (not a generator) of the request alone."""
    return (
        inspect.iscoroutinefunction(dependant.call)
        and dependant.request_param_name is not None
        and not dependant.dependencies
        and not dependant.body_params
        and not dependant.path_params
        and not dependant.query_params
        and not dependant.header_params
        and not dependant.cookie_params
        and not _special_parameters(dependant)
    )
