"""Development e-mail on the console is printed as its reader sees it: a link in a long line is
copied whole, not split by quoted-printable's soft line breaks (issue 13: a newcomer follows
the confirmation link from the console)."""

from __future__ import annotations

import io

from django.core.mail import EmailMultiAlternatives

from taxpro.mail_console import EmailBackend

LINK = "http://127.0.0.1:8000/auth/confirm-email/OQ:1xYbwd:mQuwKRgipCmudE8Zluh4eZsAPLvLyo7D_HRrlWdFqvI/"


def test_a_long_link_is_printed_whole_with_the_headers_a_person_reads() -> None:
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        subject="Confirm your email address",
        body=f"This email address was given to open an account; to confirm it, open {LINK}\n",
        from_email="Tax Pro Portal <no-reply@localhost>",
        to=["dmitri@example.test"],
    )
    message.attach_alternative(f'<p><a href="{LINK}">Confirm</a></p>', "text/html")
    assert EmailBackend(stream=stream).send_messages([message]) == 1
    printed = stream.getvalue()
    assert LINK in printed
    assert "=\n" not in printed
    assert "Subject: Confirm your email address\n" in printed
    assert "To: dmitri@example.test\n" in printed
    assert "<p>" not in printed  # the HTML alternative says the same words
