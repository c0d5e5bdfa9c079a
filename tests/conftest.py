"""Suite-wide: say how many tests ran against PostgreSQL, and fail the run if CI asked for
PostgreSQL (OKRFLOW_TEST_POSTGRES_URL) and none did; workers review in one process."""

from __future__ import annotations

import os

import pytest

POSTGRES_ENV = "OKRFLOW_TEST_POSTGRES_URL"
# Workers review in their own process unless a test asks for review processes (they take a
# second or two to start, per worker).
os.environ.setdefault("OKRFLOW_REVIEW_PROCESSES", "1")


def _postgres_reports(terminalreporter: pytest.TerminalReporter, outcome: str) -> int:
    return sum(
        1
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", "call") == "call" and "postgresql" in report.nodeid
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
    passed = _postgres_reports(terminalreporter, "passed")
    skipped = sum(1 for r in terminalreporter.stats.get("skipped", []) if "postgresql" in r.nodeid)
    url = os.environ.get(POSTGRES_ENV)
    where = url.split("@")[-1] if url else "not configured"
    terminalreporter.write_sep("-", f"PostgreSQL ({where}): {passed} tests passed, {skipped} skipped")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not os.environ.get(POSTGRES_ENV) or hasattr(session.config, "workerinput"):
        return
    collected_pg = any("postgresql" in r.nodeid for r in reporter.stats.get("passed", []))
    ran_anything = bool(reporter.stats.get("passed"))
    if ran_anything and not collected_pg and session.config.getoption("-k", default="") == "":
        # Store tests exist in every full run: none on PostgreSQL means they were silently lost.
        selected = [str(a) for a in session.config.args]
        if not selected or any(a.rstrip("/").endswith(("tests", "tests/store")) for a in selected):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            reporter.write_line(f"{POSTGRES_ENV} is set but no test ran against PostgreSQL", red=True)
