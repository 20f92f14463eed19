"""Server-rendered pages for people: a Jinja2 environment per language whose strings come
from that language's gettext catalogue (``<locale>/<lang>/LC_MESSAGES/messages.po``), the
language chosen from ``Accept-Language``, and the security headers every page carries.

Catalogues are compiled in memory when the renderer is made, so no compiled file is kept
in the repository or built at install.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup

LANGUAGES = ("fr", "en")


def security_headers(script_src: str = "'none'") -> dict[str, str]:
    """Headers of a page that loads only its own stylesheet (and scripts, if ``'self'``),
    posts only to itself and is framed by nobody."""
    return {
        "Content-Security-Policy": f"default-src 'none'; script-src {script_src}; "
        "style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


@dataclass
class Page:
    """What a handler answers: a template, its status and the values it shows."""

    template: str
    language: str
    status: int = 200
    context: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def translations(locale_dir: Path, language: str) -> Translations:
    """The ``language`` catalogue under ``locale_dir``, compiled from its .po file."""
    path = locale_dir / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


# French puts a space before ? ! : ; and inside « »: a no-break one keeps the mark on the
# line of the word it follows.
_FRENCH_SPACE = re.compile(r"[ \u00a0]+(?=[?!:;»])|(?<=«)[ \u00a0]+")


def french_spacing(text: str | None) -> str | None:
    """``text`` with no-break spaces where French typography wants them."""
    return _FRENCH_SPACE.sub("\u00a0", text) if text else text


def _as_is(text: str | None) -> str | None:
    return text


class FixedTranslations(Extension):
    """Translates a template's fixed strings once, as it is compiled, rather than on each
    render (every ``_()`` of the i18n extension looks the catalogue up and formats the
    text again per render, a tenth of a page's CPU).

    ``_("text")`` becomes the translated text, marked safe as newstyle gettext marks it
    (a constant Jinja folds into the template's own text); ``_("text %(n)s", n=…)``
    formats the translated text with its values (escaped, as there); ``ngettext(…)`` calls
    the catalogue without the context's indirection. The template's source is unchanged,
    so extraction and the catalogues see the same strings. Install the catalogue with
    ``environment.fixed_translations`` before the first template is compiled.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.extend(fixed_translations=None)

    def filter_stream(self, stream: TokenStream) -> list[Token]:
        catalogue: Translations = self.environment.fixed_translations  # type: ignore[attr-defined]
        tokens, at = list(stream), 0
        out: list[Token] = []
        while at < len(tokens):
            token, kinds = tokens[at], [t.type for t in tokens[at + 1 : at + 4]]
            called = token.type == "name" and kinds[:1] == ["lparen"]
            called = called and not (out and out[-1].type == "dot")
            line = token.lineno
            if called and token.value == "_" and kinds[1:] == ["string", "rparen"]:
                # _("text") -> ("translated" | safe), as gettext would answer it
                text = catalogue.gettext(tokens[at + 2].value) % {}
                out += [Token(line, "lparen", "("), Token(line, "string", text)]
                out += [Token(line, "pipe", "|"), Token(line, "name", "safe")]
                out.append(Token(line, "rparen", ")"))
                at += 4
            elif called and token.value == "_" and kinds[1:] == ["string", "comma"]:
                # _("text %(n)s", n=…) -> _translated("translated %(n)s", n=…)
                text = catalogue.gettext(tokens[at + 2].value)
                out += [Token(line, "name", "_translated"), tokens[at + 1]]
                out.append(Token(line, "string", text))
                at += 3
            else:
                named = called and token.value == "ngettext"
                out.append(Token(line, "name", "_ntranslated") if named else token)
                at += 1
        return out


def _translated(text: str, /, **values: Any) -> Markup:
    """A translated text formatted as newstyle gettext does: its values escaped."""
    return Markup(text) % values  # noqa: S704 (the catalogue's text, not a value)


def _plurals(catalogue: Translations) -> Callable[..., Markup]:
    def ntranslated(singular: str, plural: str, count: int, /, **values: Any) -> Markup:
        """As newstyle ngettext: ``count`` is the value ``num`` unless one is given."""
        values.setdefault("num", count)
        return Markup(catalogue.ngettext(singular, plural, count)) % values  # noqa: S704

    return ntranslated


def environment(
    templates: Path, locale_dir: Path, language: str, filters: Mapping[str, Callable[..., Any]]
) -> Environment:
    """The ``language`` environment. Besides ``filters``, ``typeset`` lays out a text the
    page does not translate itself (a wording from the journey map) for its language.
    ``lang`` is a global too, so a template of macros imported without the context (kept
    once per environment rather than run again per import) still knows the language."""
    env = Environment(
        loader=FileSystemLoader(templates),
        # templates are files of the release: no modification time is checked per render
        auto_reload=False,
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n", FixedTranslations],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    catalogue = translations(locale_dir, language)
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    env.fixed_translations = catalogue  # type: ignore[attr-defined]
    env.globals.update(_translated=_translated, _ntranslated=_plurals(catalogue), lang=language)
    env.filters["typeset"] = french_spacing if language == "fr" else _as_is
    env.filters.update(filters)
    return env


class Renderer:
    """One environment per language; ``filters`` are added to each (formatting only)."""

    def __init__(
        self,
        templates: Path,
        locale_dir: Path,
        languages: Iterable[str] = LANGUAGES,
        filters: Mapping[str, Callable[..., Any]] | None = None,
        constants: Mapping[str, Any] | None = None,
    ) -> None:
        """``constants``: globals of every template, the same for every page."""
        self._environments = {
            language: environment(templates, locale_dir, language, filters or {})
            for language in languages
        }
        for env in self._environments.values():
            env.globals.update(constants or {})

    def render(self, page: Page) -> str:
        template = self._environments[page.language].get_template(page.template)
        return template.render(lang=page.language, **page.context)


def accepted_languages(header: str | None) -> list[str]:
    """The languages of an ``Accept-Language`` header, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def choose(preferences: Iterable[str | None], offered: Iterable[str], default: str) -> str:
    """The first of ``preferences`` (``fr-FR``, ``en``…) whose language is ``offered``."""
    offered = list(offered)
    for preference in preferences:
        primary = (preference or "").replace("_", "-").split("-")[0].strip().lower()
        if primary in offered:
            return primary
    return default
