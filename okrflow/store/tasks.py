"""Tasks: versioned and audited like objectives and key results; their dependencies form a DAG.

A task's dependencies must be tasks of the same cycle (possibly under other key results), and a
write that would close a dependency loop is refused with ``DependencyCycle`` naming the tasks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import ClassVar

from sqlalchemy import select, update

from okrflow.domain.errors import Problem, ValidationFailed
from okrflow.domain.model import AuditEntry, PlanState, SubjectType, Task, TaskStatus
from okrflow.domain.taskgraph import check_dag
from okrflow.store.base import Ref, RowMap, chunks, new_id, now_or
from okrflow.store.cycle_scope import cycles_of_key_results, key_results_of_cycle, refuse_if_archived
from okrflow.store.plan import Link, PlanStore
from okrflow.store.tables import key_results, objectives, people, task_dependencies, tasks


class TaskStore(PlanStore[Task]):
    """Tasks. A task's dependencies must be tasks of the same cycle, and never form a loop."""

    rows = RowMap(Task, tasks, links=("depends_on",))
    kind = "task"
    subject = SubjectType.TASK
    refs: ClassVar[Mapping[str, Ref]] = {
        "kr_id": Ref(key_results, "key result"),
        "owner_id": Ref(people, "person"),
        "collaborators": Ref(people, "person", many=True),
        "proposed_by": Ref(people, "person"),
        "depends_on": Ref(tasks, "task", many=True),
    }
    link = Link("depends_on", task_dependencies, "task_id", "depends_on_id")

    def list_for_kr(self, org_id: str, kr_id: str) -> list[Task]:
        return self._select(tasks.c.org_id == org_id, tasks.c.kr_id == kr_id)

    def list_for_owner(self, org_id: str, owner_id: str, *, cycle_id: str | None = None) -> list[Task]:
        where = [tasks.c.org_id == org_id, tasks.c.owner_id == owner_id]
        if cycle_id is not None:
            where.append(tasks.c.kr_id.in_(key_results_of_cycle(cycle_id)))
        return self._select(*where)

    def list_for_cycle(self, org_id: str, cycle_id: str) -> list[Task]:
        return self._select(tasks.c.org_id == org_id, tasks.c.kr_id.in_(key_results_of_cycle(cycle_id)))

    def fix_baseline(
        self, org_id: str, cycle_id: str, *, actor: str = "system:cycle", at: datetime | None = None
    ) -> int:
        """Make the cycle's accepted plan the baseline churn is measured against (end of decomposition).

        Every task accepted, created and not cut as of ``at`` that is not yet in the baseline joins
        it (a new version, audited as "baseline"). Running it again adds only tasks accepted since,
        so a retried activity is harmless.

        Returns:
            How many tasks joined the baseline.
        """
        at = now_or(at)
        refuse_if_archived(self.session, [cycle_id])
        c = tasks.c
        wanted = [
            c.org_id == org_id,
            c.kr_id.in_(key_results_of_cycle(cycle_id)),
            c.plan_state == PlanState.ACCEPTED,
            # The plan as it stood at ``at``: cut later still counts; added later does not.
            (c.status != TaskStatus.CUT) | (c.cut_at > at),
            c.created_at.is_(None) | (c.created_at <= at),
            c.in_baseline.is_(False),
        ]
        ids = list(self.session.scalars(select(c.id).where(*wanted).order_by(c.id)))
        joined: list[str] = []
        for batch in chunks(ids, 1_000):
            stmt = (
                update(tasks)
                .where(c.id.in_(batch), c.in_baseline.is_(False))
                .values(in_baseline=True, version=c.version + 1)
                .returning(c.id)
            )
            joined += self.session.scalars(stmt).all()
        self.audit.add_many(
            [
                AuditEntry(
                    id=new_id(),
                    org_id=org_id,
                    at=at,
                    actor_id=actor,
                    subject_type=SubjectType.TASK,
                    subject_id=tid,
                    action="baseline",
                    changes={"in_baseline": [False, True]},
                )
                for tid in sorted(joined)
            ]
        )
        return len(joined)

    def dependents(self, org_id: str, ident: str) -> list[Task]:
        """The tasks that depend on ``ident``."""
        waiting = select(task_dependencies.c.task_id).where(task_dependencies.c.depends_on_id == ident)
        return self._select(tasks.c.org_id == org_id, tasks.c.id.in_(waiting))

    def _cycle_ids(self, items: Sequence[Task]) -> set[str]:
        return cycles_of_key_results(self.session, {t.kr_id for t in items})

    def _check_write(self, new: Task, old: Task | None) -> None:
        if not new.depends_on or (
            old is not None and old.depends_on == new.depends_on and old.kr_id == new.kr_id
        ):
            return
        self._same_cycle(new)
        check_dag(list(self._reachable(new).values()))

    def _same_cycle(self, task: Task) -> None:
        (cycle_id,) = self._cycle_ids([task])
        stmt = (
            select(tasks.c.id, tasks.c.title, objectives.c.cycle_id)
            .join(key_results, key_results.c.id == tasks.c.kr_id)
            .join(objectives, objectives.c.id == key_results.c.objective_id)
            .where(tasks.c.id.in_(set(task.depends_on)))
        )
        problems = [
            Problem(("depends_on",), f"task {title!r} ({tid}) belongs to another cycle")
            for tid, title, other in self.session.execute(stmt)
            if other != cycle_id
        ]
        if problems:
            raise ValidationFailed(problems)

    def _reachable(self, task: Task) -> dict[str, Task]:
        """``task`` (as it would be stored) and every task it reaches through dependencies.

        A loop created by this write must pass through ``task``, so it lies within this set.
        """
        graph: dict[str, list[str]] = {task.id: list(task.depends_on)}
        frontier = set(task.depends_on) - graph.keys()
        while frontier:
            for batch in chunks(sorted(frontier), 500):
                for tid in batch:
                    graph[tid] = []
                dep = task_dependencies.c
                stmt = (
                    select(dep.task_id, dep.depends_on_id)
                    .where(dep.task_id.in_(batch))
                    .order_by(dep.position)
                )
                for tid, target in self.session.execute(stmt):
                    graph[tid].append(target)
            frontier = {d for tid in frontier for d in graph[tid]} - graph.keys()
        found = {task.id: task}
        for batch in chunks(sorted(graph.keys() - {task.id}), 500):
            for row in self.session.execute(select(tasks).where(tasks.c.id.in_(batch))).mappings():
                found[row["id"]] = self.rows.from_row(row, depends_on=graph[row["id"]])
        return found
