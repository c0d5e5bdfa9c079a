"""Benchmark: the default rule set over a generated 10,000-person org (≈30,000 key results).

    python bench/rules.py [--people 10000] [--seed 1] [--repeat 3]

Times one weekly review's rule evaluation end to end — facts computed from a fresh snapshot,
then every condition in CEL — with every default rule forced to apply (the ignition rules
included, whatever the week). Next to it, in the same run and over the same facts, the same
conditions written as plain Python functions: the baseline CEL is compared with. Both sides
must flag exactly the same (rule, subject) pairs, or the benchmark fails.

Targets (issue 3): the whole default set in under 2 s including fact computation, and CEL
evaluation within 20x of the plain-Python baseline.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from okrflow.domain.calendar import phase_at, week_count
from okrflow.synthetic import generate_org
from rules.catalog import Scope
from rules.engine import CompiledRuleSet, evaluate
from rules.facts import compute_facts
from rules.load import DEFAULT_RULES, default_source, load_rule_set

TARGET_SECONDS = 2.0
TARGET_RATIO = 20.0

Facts = Mapping[str, Any]

# The default rules' conditions as plain Python over the same facts (inputs: now, week, phase...).
BASELINE: dict[str, Callable[[Facts, Facts], bool]] = {
    "kr-no-check-in": lambda f, i: f["days_since_check_in"] >= 14,
    "kr-low-confidence-gap": lambda f, i: (
        f["check_in_count"] > 0 and f["confidence"] <= 4 and f["gap"] >= 0.15
    ),
    "kr-serious-delay": lambda f, i: f["expected_progress"] >= 0.25 and f["gap"] >= 0.3,
    "kr-disconnect": lambda f, i: (
        f["tasks_total"] >= 3 and f["task_done_share"] >= 0.6 and f["disconnect"] >= 0.4
    ),
    "ignition-no-plan": lambda f, i: f["tasks_total"] == 0,
    "ignition-unowned-or-undated": lambda f, i: f["tasks_unowned"] > 0 or f["tasks_undated"] > 0,
    "kr-overdue-milestones": lambda f, i: f["milestones_overdue"] > 0,
    "kr-blocked-chain": lambda f, i: f["blocked_chain_length"] >= 1,
    "kr-scope-churn": lambda f, i: f["baseline_tasks"] >= 3 and f["churn"] > 0.3,
    "person-over-capacity": lambda f, i: f["tasks_open"] > 0 and f["load_ratio"] > 1.0,
    "team-health-red": lambda f, i: f["health_red_weeks"] >= 2,
    "cycle-check-in-compliance": lambda f, i: (
        i["week"] >= 3 and f["krs"] > 0 and f["check_in_compliance"] < 0.7
    ),
}


def every_rule_applies() -> CompiledRuleSet:
    """The default set with its ``applies_in`` windows removed: the worst case, every rule every week."""
    doc = yaml.safe_load(default_source())
    for rule in doc["rules"]:
        rule.pop("applies_in", None)
    return load_rule_set(yaml.safe_dump(doc, allow_unicode=True), source=DEFAULT_RULES)


def conditions_cel(
    compiled: CompiledRuleSet, rows: Mapping[Scope, Mapping[str, Facts]], inputs: Facts
) -> tuple[float, int, set[tuple[str, str]]]:
    """Evaluate every condition in CEL the way the engine does (one batched program per scope)."""
    held: set[tuple[str, str]] = set()
    count = 0
    start = time.perf_counter()
    for scope, subjects in rows.items():
        rules = [cr for cr in compiled.rules if cr.rule.scope is scope]
        if not rules:
            continue
        program, names = compiled.batch_program(rules)
        used_inputs = {n: v for n, v in inputs.items() if n in names}
        fact_names = [n for n in names if n not in used_inputs]
        for subject_id, facts in subjects.items():
            data = {n: facts[n] for n in fact_names if n in facts}
            data.update(used_inputs)
            values = program.eval(data=data).plain_value()
            for cr, value in zip(rules, values, strict=True):
                if value is True:
                    held.add((cr.id, subject_id))
        count += len(subjects) * len(rules)
    return time.perf_counter() - start, count, held


def conditions_python(
    compiled: CompiledRuleSet, rows: Mapping[Scope, Mapping[str, Facts]], inputs: Facts
) -> tuple[float, int, set[tuple[str, str]]]:
    """The same conditions as plain Python functions over the same fact dicts."""
    held: set[tuple[str, str]] = set()
    count = 0
    start = time.perf_counter()
    for scope, subjects in rows.items():
        rules = [(cr.id, BASELINE[cr.id]) for cr in compiled.rules if cr.rule.scope is scope]
        if not rules:
            continue
        for subject_id, facts in subjects.items():
            for rule_id, fn in rules:
                if fn(facts, inputs):
                    held.add((rule_id, subject_id))
        count += len(subjects) * len(rules)
    return time.perf_counter() - start, count, held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    org = generate_org(seed=args.seed, people=args.people)
    generated = time.perf_counter() - t0
    counts = org.counts()
    # The generated org stays in memory for the whole run: freeze it so that a full collection
    # triggered in one timed run does not rescan it (a review worker holds no such org).
    gc.collect()
    gc.freeze()
    compiled = every_rule_applies()
    missing = {cr.id for cr in compiled.rules} ^ set(BASELINE)
    if missing:
        print(f"the Python baseline and the default rules differ: {sorted(missing)}")
        return 1
    week, phase = org.as_of_week, phase_at(org.cycle, org.as_of)
    print(
        f"okrflow rules benchmark: seed {args.seed}, {counts['people']:,} people, "
        f"{counts['key_results']:,} KRs, {counts['tasks']:,} tasks, {counts['check_ins']:,} check-ins "
        f"(generated in {generated:.1f} s)"
    )
    print(
        f"default rule set, {len(compiled.rules)} rules, every one forced to apply; "
        f"review of week {week} ({phase.value}) as of {org.as_of.isoformat()}"
    )

    totals, cpu_totals, facts_times = [], [], []
    result = None
    for _ in range(args.repeat):
        snapshot = org.snapshot()  # fresh: its indexes are built inside the timed call
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        result = evaluate(compiled, snapshot, week=week, phase=phase)
        totals.append(time.perf_counter() - start)
        cpu_totals.append(time.process_time() - cpu)
    assert result is not None
    scopes = {cr.rule.scope for cr in compiled.rules}
    read = {n for cr in compiled.rules for n in (*cr.references, *cr.template_references)}

    for _ in range(args.repeat):
        snapshot = org.snapshot()
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        table = compute_facts(snapshot, week=week, scopes=scopes, only=read)
        facts_times.append(time.perf_counter() - start)
        gc.enable()

    inputs = {"now": org.as_of, "week": week, "weeks_in_cycle": week_count(org.cycle), "phase": phase.value}
    cel_times, py_times = [], []
    gc.disable()
    for _ in range(args.repeat):
        cel_s, evaluations, cel_held = conditions_cel(compiled, table.rows, inputs)
        py_s, _, py_held = conditions_python(compiled, table.rows, inputs)
        cel_times.append(cel_s)
        py_times.append(py_s)
    gc.enable()
    if cel_held != py_held:
        print(f"CEL and the Python baseline disagree on {len(cel_held ^ py_held)} (rule, subject) pairs")
        return 1
    engine_held = {(f.rule_id, f.subject_id) for f in result.flags}
    if engine_held != cel_held:
        print(f"evaluate() and the direct CEL loop disagree on {len(engine_held ^ cel_held)} pairs")
        return 1

    best, cel_best, py_best = min(totals), min(cel_times), min(py_times)
    ratio = cel_best / py_best
    by_rule: dict[str, int] = {}
    for f in result.flags:
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
    met = "met" if best < TARGET_SECONDS else "MISSED"
    print(
        f"evaluate() = facts + CEL, best of {args.repeat}: {best:.2f} s "
        f"(median {statistics.median(totals):.2f} s, CPU {min(cpu_totals):.2f} s)   "
        f"target < {TARGET_SECONDS:.0f} s: {met}"
    )
    print(f"  facts alone (best): {min(facts_times):.2f} s")
    subjects = sum(len(r) for r in table.rows.values())
    print(f"  conditions: {evaluations:,} evaluations over {subjects:,} subjects")
    print(f"    CEL (batched per scope):   {cel_best:.3f} s  {evaluations / cel_best:>12,.0f} evaluations/s")
    print(f"    plain Python, same facts:  {py_best:.3f} s  {evaluations / py_best:>12,.0f} evaluations/s")
    met = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"    ratio CEL / Python: {ratio:.1f}x   target <= {TARGET_RATIO:.0f}x: {met}")
    print(f"  flags: {len(result.flags):,}, evaluation errors: {len(result.errors)}")
    for rule_id, n in sorted(by_rule.items(), key=lambda kv: -kv[1]):
        print(f"    {rule_id:30s} {n:>7,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
