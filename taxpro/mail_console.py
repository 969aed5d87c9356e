"""Development e-mail on the console, as its reader sees it.

Django's console backend prints the wire form of a message: a text body with a line longer than
78 characters goes out quoted-printable, so the confirmation link arrives split over two lines
with an ``=`` at the break, and cannot be copied as it stands. Here the headers a person reads and
the plain-text body are printed as they are; the HTML alternative (the same words) is left out.
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message: EmailMessage) -> None:
        self.stream.write(
            f"Subject: {message.subject}\n"
            f"From: {message.from_email}\n"
            f"To: {', '.join(message.to)}\n\n"
            f"{message.body.rstrip()}\n" + "-" * 79 + "\n"
        )
