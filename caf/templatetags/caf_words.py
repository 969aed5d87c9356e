"""``{% load caf_words %}``: the CAF vocabulary as template filters.

- ``{{ record|practice_status }}``: good standing, or what it is instead and since when.
"""

from __future__ import annotations

from django import template

from caf import vocabulary

register = template.Library()

register.filter("practice_status", vocabulary.practice_status_in_words)
