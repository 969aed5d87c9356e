"""``{% load tables %}``: the markup every list table shares.

- ``{% column_heads "Taxpayer" "Kind" "CAF number" %}``: a table's ``<thead>``, one column
  heading a word, each scoped to its column so that screen readers announce it with every cell
  (WCAG 1.3.1). A heading that needs more than words (a class, a visually hidden label) is
  written out in the page instead.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def column_heads(*headings: str) -> SafeString:
    cells = format_html_join("", '<th scope="col">{}</th>', ((heading,) for heading in headings))
    return format_html("<thead><tr>{}</tr></thead>", cells)
