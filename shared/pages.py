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


def environment(
    templates: Path, locale_dir: Path, language: str, filters: Mapping[str, Callable[..., Any]]
) -> Environment:
    """The ``language`` environment. Besides ``filters``, ``typeset`` lays out a text the
    page does not translate itself (a wording from the journey map) for its language."""
    env = Environment(
        loader=FileSystemLoader(templates),
        # templates are files of the release: no modification time is checked per render
        auto_reload=False,
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale_dir, language), newstyle=True)  # type: ignore[attr-defined]
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
    ) -> None:
        self._environments = {
            language: environment(templates, locale_dir, language, filters or {})
            for language in languages
        }

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
