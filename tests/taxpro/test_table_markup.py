"""``{% column_heads %}``: the one header row the portal's list tables share."""

from __future__ import annotations

from django.template import Context, Template


def _render(source: str, word: str = "Period") -> str:
    return Template("{% load tables %}" + source).render(Context({"word": word}))


def test_each_heading_is_a_column_header_scoped_for_screen_readers() -> None:
    html = _render('{% column_heads "Taxpayer" "Kind" word %}')
    assert html == (
        '<thead><tr><th scope="col">Taxpayer</th><th scope="col">Kind</th>'
        '<th scope="col">Period</th></tr></thead>'
    )


def test_a_heading_from_data_is_text_never_markup() -> None:
    # A quoted heading is the template's own text, as if written inline; a variable is escaped.
    html = _render("{% column_heads word %}", word="Fees <b>& costs</b>")
    assert '<th scope="col">Fees &lt;b&gt;&amp; costs&lt;/b&gt;</th>' in html
