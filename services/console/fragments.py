"""Parts of a page rendered once per input: the committee's journey map and trend charts
are most of the console's own CPU for that page, and every view of the same period shows
the same ones.

A fragment is a pure function of its template, its language and its inputs (plain JSON:
the APIs' data as the person's key read it, or the reason it is missing). The memo is keyed
by all three, the inputs by their JSON (as built: the same inputs in another order are
only another key), and by nothing else: whoever asks with the same
inputs gets the same HTML, and any change in them (a new figure, another department's rows,
another period) is another key. Nothing is kept about who asked, and nothing is served that
the inputs of this request would not give.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pydantic_core import to_json

from shared.pages import Page, Renderer

KEPT = 64  # fragments kept, the least recently shown dropped first

Context = Callable[[Mapping[str, Any]], dict[str, Any]]


class FragmentRenderer(Renderer):
    """A :class:`Renderer` that also renders a page's parts through a bounded memo."""

    def __init__(self, templates: Path, locale_dir: Path, **kwargs: Any) -> None:
        super().__init__(templates, locale_dir, **kwargs)
        self._kept: OrderedDict[tuple[str, str, bytes], Markup] = OrderedDict()

    def fragment(
        self, template: str, language: str, inputs: Mapping[str, Any], context: Context
    ) -> Markup:
        """``template`` rendered in ``language`` with ``context(inputs)`` as its only values;
        ``inputs`` must be JSON-serialisable (dates as ISO text) and hold everything the
        fragment depends on, ``context`` must be pure."""
        # pydantic's serialiser: a third of json.dumps's CPU on the trends' rows
        key = (template, language, to_json(inputs))
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
            return found
        # the environment escapes every value it puts in the HTML
        html = Markup(self.render(Page(template, language, context=context(inputs))))  # noqa: S704
        self._kept[key] = html
        if len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return html
