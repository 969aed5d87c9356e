"""``{% load taxpayers_words %}``: the master file's vocabulary as template filters.

- ``{{ letter.kind|notice_kind }}``: the kind of letter as a taxpayer would say it;
- ``{% if letter.kind|notice_is_secret %}``: a code letter's body is never shown;
- ``{{ taxpayer.kind|tin_name }}``: "EIN" for a business, "TIN" for a person;
- ``{{ taxpayer.kind|holder_kind }}``: "Individual" or "Business".
"""

from __future__ import annotations

from django import template

from taxpayers import vocabulary

register = template.Library()

register.filter("notice_kind", vocabulary.notice_kind_words)
register.filter("notice_is_secret", vocabulary.notice_body_is_secret)
register.filter("tin_name", vocabulary.tin_name)
register.filter("holder_kind", vocabulary.holder_kind_words)
