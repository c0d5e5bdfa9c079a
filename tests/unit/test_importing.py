"""Reading import files (YAML and CSV): the form is checked and every problem is located in the file."""

from __future__ import annotations

import pytest

from okrflow.domain.errors import ValidationFailed
from okrflow.import_format import KEY_RESULT, OBJECTIVE, TASK, parse_csv, parse_yaml

YAML = """\
cycle: 2026-Q1
objectives:
  - id: o-growth
    title: Grow self-serve
    owner: ana
    key_results:
      - title: Sign-ups from 1200 to 2000
        owner: bo
        start: 1200
        target: 2000
        tasks:
          - {id: t1, title: Landing page, owner: cai, milestone: true, due: 2026-02-15}
          - {id: t2, title: Launch, owner: cai, depends_on: "t1; t0"}
  - title: 降低客户流失率
    owner: 王磊
"""


def test_yaml_nests_key_results_and_tasks_under_their_parents() -> None:
    data = parse_yaml(YAML, source="plan.yaml")
    assert data.problems == [] and data.cycle == "2026-Q1"
    kinds = [r.kind for r in data.records]
    assert kinds == [OBJECTIVE, KEY_RESULT, TASK, TASK, OBJECTIVE]
    objective, kr, t1, t2, second = data.records
    assert kr.parent == "o-growth" and t1.parent == kr.id == t2.parent
    assert t2.given["depends_on"] == ["t1", "t0"]
    assert second.id and second.id != objective.id  # ids are made up when the file has none
    assert kr.where == "line 7, objective #1 key result #1"
    assert second.given["owner"] == "王磊"


def test_yaml_problems_of_form_are_all_collected_with_their_lines() -> None:
    text = """\
cycle: 2026-Q1
colour: red
objectives:
  - title: One
    owner: ana
    due: tomorrow
    key_results:
      - title: KR
        tasks: not-a-list
  - just a string
"""
    data = parse_yaml(text, source="plan.yaml")
    shown = [str(p) for p in data.problems]
    assert any("colour" in s for s in shown)
    assert "line 4, objective #1.due: unknown field" in " ".join(shown)
    assert any(s.startswith("line 8, objective #1 key result #1.tasks: expected a list") for s in shown)
    assert any(s.startswith("objective #2: expected the fields of an objective") for s in shown)
    assert len(shown) == 4


def test_yaml_syntax_errors_name_the_line_and_column() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_yaml("cycle: [2026\nobjectives: []\n", source="plan.yaml")
    (problem,) = caught.value.problems
    assert problem.location[0].startswith("line ") and "column" in problem.location[0]
    assert caught.value.source == "plan.yaml"


CSV = """\
record,id,parent,cycle,title,owner,target,start,depends_on
objective,o1,,2026-Q1,Grow,ana,,,
key_result,k1,o1,2026-Q1,Sign-ups,bo,2000,1200,
task,,k1,2026-Q1,Landing page,cai,,,
task,t2,k1,2026-Q1,Launch,cai,,,t1;t0
"""


def test_csv_rows_become_records_of_the_kind_each_row_names() -> None:
    data = parse_csv(CSV, source="plan.csv")
    assert data.problems == [] and data.cycle == "2026-Q1"
    assert [r.kind for r in data.records] == [OBJECTIVE, KEY_RESULT, TASK, TASK]
    objective, kr, task, launch = data.records
    assert kr.given["target"] == "2000" and kr.parent == "o1"
    assert task.where == "row 4" and task.id  # a task may leave its id out
    assert launch.given["depends_on"] == ["t1", "t0"]
    assert "target" not in objective.given  # not an objective field: ignored, not an error
    assert task.given["depends_on"] == [] and task.given["owner"] == "cai"


def test_csv_lists_every_problem_with_its_row_and_column() -> None:
    text = """\
record,id,parent,cycle,title,owner,shoe_size
objective,,,2026-Q1,Grow,ana,
key_result,k1,,2026-Q1,Sign-ups,bo,
widget,w,,2026-Q1,?,,
task,,k1,2026-Q2,Do it,cai,
"""
    data = parse_csv(text, source="plan.csv")
    shown = [str(p) for p in data.problems]
    assert shown[0].startswith("row 1: unknown column 'shoe_size'")
    assert "row 2.id: an objective needs an id in CSV (other rows name it)" in shown
    assert "row 3.parent: a key result names its objective by id" in shown
    assert any(s.startswith("row 4.record: 'widget'") for s in shown)
    assert any("different cycles: 2026-Q1, 2026-Q2" in s for s in shown)


def test_a_csv_without_a_record_column_is_refused_at_once() -> None:
    with pytest.raises(ValidationFailed, match="'record' is required"):
        parse_csv("id,title\nx,y\n", source="plan.csv")
