"""The hosted survey's pages: their templates and gettext catalogues live beside this
module (``templates/``, ``locale/<lang>/LC_MESSAGES/messages.po``) and are rendered with
:mod:`shared.pages`."""

from __future__ import annotations

from pathlib import Path

from shared import pages
from shared.pages import LANGUAGES, Page, accepted_languages, choose

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"

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
    """The survey's templates in French and English."""

    def __init__(self) -> None:
        super().__init__(TEMPLATES, LOCALE)
