"""First start: migrate the database, load the demo org, print the first admin token once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from okrflow.domain.errors import NotFound, Problem, ValidationFailed
from okrflow.domain.model import Org, Person, Role, parse_model
from okrflow.runtime.settings import Settings
from okrflow.store import OrgStore, PeopleStore, TokenStore, make_engine, make_session_factory, unit_of_work
from okrflow.store.migrate import upgrade
from okrflow.store.tables import api_tokens, orgs, people

DEMO_SEED = 2026
BOOTSTRAP_ORG = "default"


def quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


@dataclass
class Prepared:
    token: str | None = None  # the first admin token, when it was created by this start
    new_cycles: list[tuple[str, str]] = field(default_factory=list)  # (org, cycle) to start running


def prepare_database(
    settings: Settings,
    *,
    demo: bool,
    demo_people: int = 120,
    echo: Callable[[str], None] = print,
    today: date | None = None,
) -> Prepared:
    """Migrate; on first start load the demo org (with --demo) and create the first admin token.

    Returns:
        The first admin token's plaintext when one was created now (it is also echoed once), and
        the demo cycle when it was just loaded, so that its workflow can be started.
    """
    prepared = Prepared()
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    today = today or datetime.now(UTC).date()
    with unit_of_work(factory) as session:
        has_org = session.execute(select(func.count()).select_from(orgs)).scalar_one() > 0
        if demo and not has_org:
            from okrflow.synthetic import generate_org

            start = quarter_start(today)
            week = max(1, min(13, (today - start).days // 7 + 1))
            echo(f"generating the demo organisation ({demo_people} people, cycle from {start}) ...")
            synthetic = generate_org(
                seed=DEMO_SEED, people=demo_people, cycle_start=start, as_of_week=week, org_id="demo"
            )
            synthetic.write(session)
            from okrflow.services.rollups import rebuild

            rebuild(session, synthetic.org.id, synthetic.cycle.id)
            prepared.new_cycles.append((synthetic.org.id, synthetic.cycle.id))
            has_org = True
        if not has_org:
            _bootstrap_org(session)
    with unit_of_work(factory) as session:
        if session.execute(select(func.count()).select_from(api_tokens)).scalar_one() > 0:
            return prepared
        admin = session.execute(
            select(people.c.org_id, people.c.id)
            .where(people.c.role == Role.ADMIN.value)
            .order_by(people.c.id)
        ).first()
        assert admin is not None, "every org has an admin"
        _, plaintext = TokenStore(session).create(admin.org_id, admin.id, "first admin token")
    echo("first start: an admin API token was created. It is shown only this once; keep it safe:")
    echo(f"    {plaintext}")
    prepared.token = plaintext
    return prepared


def _bootstrap_org(session: Session) -> None:
    org = OrgStore(session).add(Org(id=BOOTSTRAP_ORG, name="My organisation"))
    PeopleStore(session).add(
        Person(id="admin", org_id=org.id, name="Administrator", handle="admin", role=Role.ADMIN)
    )


def create_org(
    settings: Settings,
    *,
    org_id: str,
    name: str,
    timezone: str,
    language: str,
    admin_handle: str,
    admin_name: str,
) -> str:
    """A new organisation with its first admin; returns the admin's API token (shown once)."""
    engine = make_engine(settings.resolved_database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        org = OrgStore(session).add(
            parse_model(Org, {"id": org_id, "name": name, "timezone": timezone, "language": language})
        )
        admin = PeopleStore(session).add(
            parse_model(
                Person,
                {
                    "id": f"{org.id}-{admin_handle}",
                    "org_id": org.id,
                    "name": admin_name,
                    "handle": admin_handle,
                    "role": Role.ADMIN,
                    "timezone": timezone,
                    "language": language,
                },
            )
        )
        _, plaintext = TokenStore(session).create(org.id, admin.id, "first admin token")
    return plaintext


def create_token(settings: Settings, *, person: str, name: str, org_id: str | None) -> str:
    """Create a token for the person with this handle (or id); print nothing, return the plaintext."""
    engine = make_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        stmt = select(people.c.org_id, people.c.id).where(
            (people.c.handle == person) | (people.c.id == person)
        )
        if org_id is not None:
            stmt = stmt.where(people.c.org_id == org_id)
        rows = session.execute(stmt).all()
        if not rows:
            raise NotFound("person", person)
        if len(rows) > 1:
            raise ValidationFailed([Problem(("person",), f"{person!r} exists in several orgs; pass --org")])
        _, plaintext = TokenStore(session).create(rows[0].org_id, rows[0].id, name)
        return plaintext
