"""How good and how fast the drafting assistant is, on the labelled drafts in tests/data/critique/.

    python bench/critique_eval.py           # heuristic; the LLM critic too when OKRFLOW_LLM_BASE_URL is set
    python bench/critique_eval.py --misses  # also list drafts where a critic disagrees with the labels
    python bench/critique_eval.py --check   # exit 1 unless micro-F1 >= 0.85, <= 10% false alarms, < 5 ms

Prints per-code precision, recall and F1, micro-F1 and the false-alarm rate on clean drafts, for the
development set and, separately, for the held-out set (never used to tune the rules) and the blind sets
(blind.yaml, blind2.yaml: written by someone other than the rules' author, before reading the rules).
Timing: the median and p95 time to critique one draft, and its ratio to parsing the same draft (a baseline
run in this process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import percentile  # noqa: E402
from okrflow.critique.contract import Critic, Critique, FindingCode  # noqa: E402
from okrflow.critique.draft import Draft  # noqa: E402
from okrflow.critique.evaluation import LabelledDraft, Report, load_labelled, score_critiques  # noqa: E402
from okrflow.critique.heuristic import HeuristicCritic  # noqa: E402
from okrflow.critique.language import detect_language  # noqa: E402

DATA = ROOT / "tests" / "data" / "critique"
DEV = [DATA / "dev_zh.yaml", DATA / "dev_en.yaml"]
HOLDOUT = [DATA / "holdout.yaml"]
# Blind sets: written without looking at the rules, to estimate the score on drafts nobody tuned for.
BLIND = [DATA / "blind.yaml"]
BLIND2 = [DATA / "blind2.yaml"]
REPEATS = 30
BUDGET_MS = 5.0


def load(paths: list[Path]) -> list[LabelledDraft]:
    return [item for p in paths if p.exists() for item in load_labelled(p)]


def print_report(title: str, report: Report, *, misses: bool) -> None:
    p, r, f1 = report.micro
    print(f"\n== {title}: {report.drafts} drafts, {report.clean_drafts} clean")
    print(f"{'code':<22}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}{'false +':>9}")
    for code in FindingCode:
        cp, cr, cf, support = report.per_code(code.value)
        if support or report.fp[code.value]:
            print(f"{code.value:<22}{cp:>10.2f}{cr:>8.2f}{cf:>7.2f}{support:>9}{report.fp[code.value]:>9}")
    print(f"{'micro':<22}{p:>10.2f}{r:>8.2f}{f1:>7.2f}")
    flagged, clean = report.clean_flagged, report.clean_drafts
    print(f"false alarms on clean drafts: {flagged}/{clean} = {report.false_alarm_rate:.0%}")
    if misses:
        for name, missed, extra in report.misses:
            print(f"  {name}: missed {missed or '-'}; extra {extra or '-'}")


def timing(drafts: list[Draft]) -> tuple[float, float, float]:
    """Median and p95 milliseconds per draft for the heuristic critic, and the median for parsing alone."""
    critic = HeuristicCritic()
    raw = [d.model_dump(mode="json") for d in drafts]
    critique_ms: list[float] = []
    parse_ms: list[float] = []
    for _ in range(REPEATS):
        for d, r in zip(drafts, raw, strict=True):
            t0 = time.perf_counter()
            Draft.model_validate(r)
            t1 = time.perf_counter()
            critic.check(d)
            t2 = time.perf_counter()
            parse_ms.append((t1 - t0) * 1000)
            critique_ms.append((t2 - t1) * 1000)
    return statistics.median(critique_ms), percentile(critique_ms, 0.95), statistics.median(parse_ms)


async def run_critic(critic: Critic, items: list[LabelledDraft]) -> list[Critique]:
    """Critique every draft, Chinese ones first and then English ones: a local server keeps the shared
    prompt prefix of one language cached, and switching back and forth would re-read it every time."""
    order = sorted(range(len(items)), key=lambda i: detect_language(items[i].draft.texts()).value)
    results: dict[int, Critique] = {}
    for i in order:
        results[i] = await critic.critique(items[i].draft)
    return [results[i] for i in range(len(items))]


def llm_section(sets: list[tuple[str, list[LabelledDraft]]], *, misses: bool) -> None:
    from okrflow.critique.llm import build_llm_critic  # only here: the heuristic path never imports openai
    from okrflow.runtime.settings import Settings

    critic = build_llm_critic(Settings())
    if critic is None:
        return
    print(f"\n# LLM critic ({critic.model} at {critic.base_url}), merged with the heuristic findings")

    everything = [item for _, items in sets for item in items]

    async def all_sets() -> tuple[list[Critique], float]:
        # One event loop for every set: the client's connections belong to the loop that opened them.
        t0 = time.perf_counter()
        critiques = await run_critic(critic, everything)
        return critiques, time.perf_counter() - t0

    all_critiques, elapsed = asyncio.run(all_sets())
    offset = 0
    for title, items in sets:
        critiques = all_critiques[offset : offset + len(items)]
        offset += len(items)
        report = score_critiques(zip(items, critiques, strict=True))
        print_report(f"LLM + heuristic, {title}", report, misses=misses)
        unavailable = sum(c.ai_unavailable for c in critiques)
        added = sum(f.source == "llm" for c in critiques for f in c.findings)
        print(f"AI unavailable for {unavailable}/{len(items)} drafts; {added} findings added by the model")
    print(f"{elapsed / max(1, len(everything)):.2f} s per draft")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", action="store_true", help="list drafts where a critic disagrees")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the heuristic meets its targets")
    args = parser.parse_args()

    sets = [
        (title, items)
        for title, items in (
            ("development set", load(DEV)),
            ("held-out set", load(HOLDOUT)),
            ("blind set", load(BLIND)),
            ("second blind set", load(BLIND2)),
        )
        if items
    ]
    critic = HeuristicCritic()
    print("# heuristic critic")
    reports = {}
    for title, items in sets:
        reports[title] = score_critiques((item, critic.check(item.draft)) for item in items)
        print_report(title, reports[title], misses=args.misses)
    dev_report = reports["development set"]

    median, p95, parse = timing([item.draft for _, items in sets for item in items])
    print(
        f"\ntime per draft: median {median:.3f} ms, p95 {p95:.3f} ms "
        f"({median / parse:.1f}x parsing the draft, {median / BUDGET_MS:.0%} of the {BUDGET_MS:g} ms budget)"
    )

    if os.environ.get("OKRFLOW_LLM_BASE_URL"):
        llm_section(sets, misses=args.misses)

    if args.check:
        f1 = dev_report.micro[2]
        ok = f1 >= 0.85 and dev_report.false_alarm_rate <= 0.10 and median < BUDGET_MS
        verdict = "pass" if ok else "FAIL"
        print(f"\ncheck: {verdict} (micro-F1 {f1:.2f}, false alarms {dev_report.false_alarm_rate:.0%})")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
