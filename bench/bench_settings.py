"""The production settings plus one bare view, the baseline the page benchmarks compare with."""

from taxpro.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
# Every benchmark client signs in from 127.0.0.1: allauth's per-address sign-in limit (30 a
# minute) would refuse the 21st taxpayer of a second run within the minute. The other limits
# stay as they are.
ACCOUNT_RATE_LIMITS = {"login": "6000/m/ip"}
# Sign-in is not what is timed: PBKDF2's deliberate 0.5 s of CPU for each of 20 taxpayers'
# sign-in and step-up, on 2 cores, ran past gunicorn's 30 s timeout. The benchmark's users are
# made (and checked) with a fast hasher; nothing here is a real password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
