"""The hosted survey's pages: their templates and gettext catalogues live beside this
module (``templates/``, ``locale/<lang>/LC_MESSAGES/messages.po``) and are rendered with
:mod:`shared.pages`."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from babel.numbers import format_decimal
from jinja2 import Environment, pass_environment
from markupsafe import escape
from pydantic import TypeAdapter

from shared import pages
from shared.pages import LANGUAGES, Page, accepted_languages, choose
from shared.surveys import ResolvedQuestion

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"
FORM = "survey.html"
# A blank form is rendered once with these in place of the link's own two fields, which
# are put in for each link: characters of the Private Use Area, which no text of ours has
# and autoescaping keeps as they are.
SLOTS = {"action": "\ue000action\ue000", "form_token": "\ue000form_token\ue000"}
CACHED_PAGES = 256  # surveys × languages of a few map versions, a few MB at most
QUESTIONS: TypeAdapter[list[ResolvedQuestion]] = TypeAdapter(list[ResolvedQuestion])

__all__ = [
    "HERE",
    "LANGUAGES",
    "LOCALE",
    "TEMPLATES",
    "Page",
    "Renderer",
    "accepted_languages",
    "choose",
]


class Renderer(pages.Renderer):
    """The survey's templates in French and English.

    Rendering is most of the page's own CPU, so what depends on no link is rendered once:
    a page without values (a notice, the thank-you page) per template and language; a blank
    form (no answer kept, no error, no notice) per survey and language, keyed by the
    survey itself (its title and its questions' JSON), so a changed survey is never shown
    from an older one. Nothing about an invitation's state is kept: each request still looks it up.
    """

    def __init__(self, organisation: str | None = None) -> None:
        """``organisation``: who asks, named on every page (none: no name shown)."""
        constants = {"organisation": organisation}
        super().__init__(TEMPLATES, LOCALE, filters={"number": number}, constants=constants)
        self._rendered: OrderedDict[tuple[str, str, bytes], str] = OrderedDict()

    def render(self, page: Page) -> str:
        if page.context.keys() <= {"organisation"}:  # a notice: who asks, at most
            who = page.context.get("organisation", "").encode()
            return self._once((page.template, page.language, who), page)
        if _is_blank_form(page):
            context = page.context
            questions = QUESTIONS.dump_json(context["questions"])
            survey = context["title"], questions, context.get("organisation")
            key = (page.template, page.language, repr(survey).encode())
            html = self._once(key, replace(page, context={**page.context, **SLOTS}))
            for name, slot in SLOTS.items():
                html = html.replace(slot, escape(page.context[name]))
            return html
        return super().render(page)

    def _once(self, key: tuple[str, str, bytes], page: Page) -> str:
        """``page`` rendered, or what it rendered to before under ``key``."""
        html = self._rendered.get(key)
        if html is None:
            html = self._rendered[key] = super().render(page)
            if len(self._rendered) > CACHED_PAGES:
                self._rendered.popitem(last=False)
        return html


@pass_environment
def number(environment: Environment, value: int) -> str:
    """``value`` as the page's language writes it: 5 000 in French, 5,000 in English."""
    return format_decimal(value, locale=str(environment.globals["lang"]))


def _is_blank_form(page: Page) -> bool:
    context = page.context
    return (
        page.template == FORM
        and not context["values"]
        and not context["errors"]
        and context["notice"] is None
        and context.keys() - {"organisation"}
        == {"title", "questions", "values", "errors", "notice", *SLOTS}
    )
