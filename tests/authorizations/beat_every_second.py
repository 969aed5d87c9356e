"""The portal's Celery app with every beat entry of taxpro/celery.py due each second.

The two-beats fault test runs ``celery -A tests.authorizations.beat_every_second beat`` twice: the
same jobs, the same tasks, only sooner than the real intervals (the expiry sweep's is ten
minutes), so that each beat sends each job many times within the test.
"""

from __future__ import annotations

from taxpro.celery import app

INTERVAL_SECONDS = 1.0

app.conf.beat_schedule = {
    name: {**entry, "schedule": INTERVAL_SECONDS} for name, entry in app.conf.beat_schedule.items()
}

__all__ = ["app"]
