"""Templates' strings translated once, as they are compiled: each page reads exactly as
with Jinja's own newstyle gettext, escaping included."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape

from shared.pages import environment, translations

PO = """
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

msgid "Committee"
msgstr "Comité & co"

msgid "Share: 80 %%"
msgstr "Part : 80 %%"

msgid "Hello %(name)s"
msgstr "Bonjour <b>%(name)s</b>"

msgid "%(num)s item"
msgid_plural "%(num)s items"
msgstr[0] "%(num)s élément"
msgstr[1] "%(num)s éléments"

msgid "%(n)s of %(num)s"
msgid_plural "%(n)s of %(num)s"
msgstr[0] "%(n)s sur %(num)s"
msgstr[1] "%(n)s sur %(num)s"
"""

PAGE = """{% import "macros.html" as m %}
<h1 title="{{ _('Committee') }}">{{ _("Committee") }}</h1>
<p>{{ _("Share: 80 %%") }} · {{ _("Not in the catalogue") }} · {{ m.named() }}</p>
<p>{{ _("Hello %(name)s", name=who) }} · {{ (_("Committee") ~ who)|length }}</p>
{% for n in (0, 1, 2) %}{{ ngettext("%(num)s item", "%(num)s items", n) }};{% endfor %}
{{ ngettext("%(n)s of %(num)s", "%(n)s of %(num)s", 3, n=who, num=4) }}
{% with what=_("Committee") %}{{ what }}{% endwith %}
{{ thing._("x") }} {{ lang }}
"""

MACROS = """{% macro named() %}{{ _("Committee") }} ({{ lang }}){% endmacro %}"""


class Thing:
    def _(self, text: str) -> str:
        return f"<{text}>"


@pytest.fixture
def locale_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(PO, encoding="utf-8")
    return tmp_path


def stock(locale_dir: Path) -> Environment:
    """Jinja's i18n extension alone, translating on each render."""
    env = Environment(
        loader=DictLoader({"page.html": PAGE, "macros.html": MACROS}),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale_dir, "fr"), newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = "fr"
    return env


def test_the_page_reads_as_with_gettext_on_each_render(locale_dir: Path) -> None:
    ours = environment(locale_dir, locale_dir, "fr", {})
    ours.loader = DictLoader({"page.html": PAGE, "macros.html": MACROS})
    values = {"who": "<Ana & Bo>", "thing": Thing()}
    expected = stock(locale_dir).get_template("page.html").render(**values)
    assert ours.get_template("page.html").render(**values) == expected
    assert "Comité &amp; co" not in expected  # the catalogue's text is trusted, as there
    assert "Bonjour <b>&lt;Ana &amp; Bo&gt;</b>" in expected  # values are escaped
    assert "Part : 80 %" in expected
    assert "0 élément;1 élément;2 éléments;" in expected
    assert "&lt;x&gt;" in expected  # a method named _ is left alone


def test_fixed_strings_are_translated_as_the_template_is_compiled(locale_dir: Path) -> None:
    source = environment(locale_dir, locale_dir, "fr", {}).compile(PAGE, raw=True)
    assert "Comité & co" in source  # folded into the template's text
    assert "Bonjour <b>%(name)s</b>" in source  # formatted on render, translated once
