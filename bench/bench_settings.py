"""The production settings plus one bare view, the baseline the page benchmarks compare with."""

from taxpro.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
# Every benchmark client signs in from 127.0.0.1: allauth's per-address sign-in limit (30 a
# minute) would refuse the 21st taxpayer of a second run within the minute. The other limits
# stay as they are.
ACCOUNT_RATE_LIMITS = {"login": "6000/m/ip"}
