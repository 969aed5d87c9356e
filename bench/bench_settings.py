"""The production settings plus one bare view, the baseline the page benchmark compares with."""

from taxpro.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
