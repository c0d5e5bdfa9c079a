"""Scoring a critic against labelled drafts: per-code precision, recall and F1, micro-F1, false alarms.

A labelled file is a YAML list of drafts, each with ``expect: [CODE@target, ...]`` (target ``objective``
or a 0-based KR index) and an optional ``note``; an empty ``expect`` marks a clean draft.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from okrflow.domain.errors import Problem, ValidationFailed
from okrflow.domain.model import parse_model

from .contract import Critique, FindingCode
from .draft import Draft

Label = tuple[str, str]  # (code, target) with target "objective" or "0", "1", ...


@dataclass(frozen=True)
class LabelledDraft:
    draft: Draft
    expected: frozenset[Label]
    note: str = ""

    @property
    def clean(self) -> bool:
        return not self.expected


def load_labelled(path: Path) -> list[LabelledDraft]:
    """Read a labelled file; errors name the file, the draft and the label."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValidationFailed([Problem((), "expected a list of labelled drafts")], source=str(path))
    out: list[LabelledDraft] = []
    problems: list[Problem] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(Problem((i,), "expected a mapping"))
            continue
        item = dict(item)
        labels: set[Label] = set()
        for j, label in enumerate(item.pop("expect", None) or []):
            code, _, target = str(label).partition("@")
            if code not in FindingCode.__members__ or not (target == "objective" or target.isdigit()):
                problems.append(
                    Problem((i, "expect", j), f"{label!r} is not CODE@objective or CODE@<KR index>")
                )
                continue
            labels.add((code, target))
        note = str(item.pop("note", "") or "")
        try:
            draft = parse_model(Draft, item)
        except ValidationFailed as exc:
            problems.extend(Problem((i, *p.location), p.message) for p in exc.problems)
            continue
        out.append(LabelledDraft(draft, frozenset(labels), note))
    if problems:
        raise ValidationFailed(problems, source=str(path))
    return out


def found_labels(critique: Critique) -> frozenset[Label]:
    return frozenset((f.code.value, str(f.target)) for f in critique.findings)


@dataclass
class Report:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    clean_drafts: int = 0
    clean_flagged: int = 0
    drafts: int = 0
    misses: list[tuple[str, list[Label], list[Label]]] = field(default_factory=list)

    def add(self, name: str, expected: frozenset[Label], found: frozenset[Label]) -> None:
        self.drafts += 1
        for code, _ in expected & found:
            self.tp[code] += 1
        for code, _ in found - expected:
            self.fp[code] += 1
        for code, _ in expected - found:
            self.fn[code] += 1
        if not expected:
            self.clean_drafts += 1
            self.clean_flagged += bool(found)
        if expected != found:
            self.misses.append((name, sorted(expected - found), sorted(found - expected)))

    def per_code(self, code: str) -> tuple[float, float, float, int]:
        """Precision, recall, F1 and support (labelled occurrences) for one code."""
        return (*_prf(self.tp[code], self.fp[code], self.fn[code]), self.tp[code] + self.fn[code])

    @property
    def micro(self) -> tuple[float, float, float]:
        return _prf(sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values()))

    @property
    def false_alarm_rate(self) -> float:
        """Share of clean drafts that got at least one finding."""
        return self.clean_flagged / self.clean_drafts if self.clean_drafts else 0.0


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score_critiques(pairs: Iterable[tuple[LabelledDraft, Critique]]) -> Report:
    report = Report()
    for item, critique in pairs:
        report.add(item.draft.id or "?", item.expected, found_labels(critique))
    return report
