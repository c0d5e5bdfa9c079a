"""What every domain record shares: the ``Model`` base, checked field types, bilingual text, and
turning pydantic's validation errors into the core's ``Problem`` list."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from okrflow.domain.enums import Language
from okrflow.domain.errors import Problem, ValidationFailed


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "America" is a directory: IsADirectoryError
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Asia/Shanghai')") from exc
    return value


def _check_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
NonEmptyText = Annotated[str, AfterValidator(_check_text)]
Ident = Annotated[str, Field(min_length=1, max_length=64)]
Confidence = Annotated[int, Field(ge=0, le=10)]


_UNSET: Any = object()


class Model(BaseModel):
    """Base for domain records: unknown fields are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=False)

    def __setattr__(self, name: str, value: Any) -> None:
        # pydantic stores an assigned value before running "after" model validators and keeps
        # it when they fail (pydantic/pydantic#7105): put the old value back so a refused
        # assignment leaves the record as it was.
        before = self.__dict__.get(name, _UNSET)
        try:
            super().__setattr__(name, value)
        except ValidationError:
            if before is not _UNSET and name in type(self).model_fields:
                self.__dict__[name] = before
            raise


class LocalText(Model):
    """Product text a user reads, in both languages."""

    en: str
    zh: str

    def get(self, lang: Language | str) -> str:
        return self.zh if str(lang) == Language.ZH else self.en


M = TypeVar("M", bound=BaseModel)


def validation_problems(exc: ValidationError, *, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """Turn pydantic's errors into Problems that name the field and say why."""
    problems = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        loc = tuple(err["loc"])
        # A model-level check names its field (or a dotted path) at the start of its message
        # ("end: ...", "cadence.midterm_week: ..."), also when the model is nested in another.
        head, sep, rest = msg.partition(": ")
        path = tuple(head.split(".")) if sep else ()
        named = path and all(p.isidentifier() for p in path) and loc[-1:] != path[-1:]
        if err["type"] == "value_error" and named:
            loc, msg = (*loc, *path), rest
        problems.append(Problem((*prefix, *loc), msg))
    return problems


def parse_model(model: type[M], data: Any, *, source: str | None = None) -> M:
    """Validate ``data`` as ``model`` or raise ``ValidationFailed`` naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(validation_problems(exc), source=source) from None
