"""The demo sign-ins that ``make run`` prints and ``manage.py seed_demo`` creates.

The password is public on purpose: these accounts exist only in a development database.
"""

from __future__ import annotations

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - a documented, development-only password.

# (who, e-mail, kind); practitioners and staff get a TOTP authenticator (second factor).
DEMO_USERS: list[tuple[str, str, str]] = [
    ("CPA with a CAF number", "cpa@demo.taxpro.test", "practitioner"),
    ("Enrolled agent", "agent@demo.taxpro.test", "practitioner"),
    ("Unenrolled return preparer", "preparer@demo.taxpro.test", "practitioner"),
    ("Taxpayer (online account)", "alice@demo.taxpro.test", "taxpayer"),
    ("Taxpayer (online account)", "bob@demo.taxpro.test", "taxpayer"),
    ("Taxpayer (online account)", "carmen@demo.taxpro.test", "taxpayer"),
    ("Staff clerk", "clerk@demo.taxpro.test", "staff"),
]

DEMO_SIGN_INS = {
    "password": DEMO_PASSWORD,
    "users": [(who, email) for who, email, _kind in DEMO_USERS],
}
