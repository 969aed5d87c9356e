"""``{% load authorizations_words %}``: the authorizations vocabulary as template filters, so a
template says a state or a code in the one wording, and never writes an enum value itself.

- ``{{ req|practitioner_status }}``: the status R19 lets the practitioner see;
- ``{% if req|shows_no_status %}``: rejected or failed, so nothing is said (R19);
- ``{{ row.matter|matter_label }}`` and ``{{ row.period|period_label:row.matter }}``;
- ``{{ req.kind|kind_asked_for }}`` ("a power of attorney") and ``{{ row.kind|kind_revokes }}``
  (what revoking takes away), said to the taxpayer; ``{{ req.kind|kind_in_a_sentence }}``
  ("power of attorney"), said to the practitioner;
- ``{{ row.channel|channel_label:row.kind }}`` ("Online", "Form 2848") to the practitioner, and
  ``{{ row.channel|channel_for_taxpayer:row.kind }}`` ("Signed on Form 2848") to the taxpayer.
- ``{{ form.state|form_state }}``: an uploaded form's state (R39b).
"""

from __future__ import annotations

from django import template

from authorizations import vocabulary

register = template.Library()

register.filter("practitioner_status", vocabulary.request_status_for_practitioner)
register.filter("shows_no_status", vocabulary.request_shows_no_status)
register.filter("matter_label", vocabulary.matter_label)
register.filter("kind_asked_for", lambda kind: vocabulary.kind_words(kind).asked_for)
register.filter("kind_in_a_sentence", lambda kind: vocabulary.kind_words(kind).in_a_sentence)
register.filter("kind_revokes", lambda kind: vocabulary.kind_words(kind).revokes)
register.filter("form_state", vocabulary.form_state_in_words)


@register.filter
def period_label(period: str, matter: str) -> str:
    """A period is said according to its matter, hence the argument."""
    return vocabulary.period_label(matter=matter, period=period)


@register.filter
def channel_label(channel: str, kind: str) -> str:
    """The channel is named with the form its kind comes on, hence the argument."""
    return vocabulary.channel_label(channel, kind)


@register.filter
def channel_for_taxpayer(channel: str, kind: str) -> str:
    return vocabulary.channel_for_taxpayer(channel, kind)
