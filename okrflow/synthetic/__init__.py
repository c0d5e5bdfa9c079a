"""Synthetic organisations: deterministic, realistic quarters for tests, the demo and benchmarks.

    from okrflow.synthetic import generate_org, small_org

    org = small_org(seed=1)                      # 60 people, the story told at week 8 of 13
    snap = org.snapshot()                         # a CycleSnapshot at the story's as-of review
    org.story.krs(Pattern.STALLED)                # the KRs scripted to fall silent
    big = generate_org(seed=1, people=10_000)     # ≈ 28,000 KRs, ≈ 150,000 tasks, in seconds

The patterns and what each looks like in the data are described in ``okrflow.synthetic.scenario``.
"""

from okrflow.synthetic.generator import SyntheticOrg, generate_org, small_org
from okrflow.synthetic.scenario import (
    DEFAULT_PATTERN_SHARES,
    HEALTHY,
    KRStory,
    Pattern,
    Scenario,
    Signal,
    Story,
    expected_signals,
)

__all__ = [
    "DEFAULT_PATTERN_SHARES",
    "HEALTHY",
    "KRStory",
    "Pattern",
    "Scenario",
    "Signal",
    "Story",
    "SyntheticOrg",
    "expected_signals",
    "generate_org",
    "small_org",
]
