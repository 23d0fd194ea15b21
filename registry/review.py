"""The two-step review every reviewed record shares (初审, then 复审 by a reviewer other than the 初审's: four
eyes): filings, incubator filings, grant applications and awards, annual performance reports, evaluation
rounds; degrees and objections use its row lock and its required-text check.

One copy of each step's guard, the wording parametrised per kind of record (`Wording`), so that every refusal
keeps the code and the Chinese and English message its users and tests know:
- `lock`: re-read the row under a lock. Concurrent deciders queue there, and the second one sees the first
  one's status (PostgreSQL READ COMMITTED re-reads the locked row). `expected_status` is the status the
  decider saw on the page: if someone else has moved the record since, the decision is refused ("已由…处理,
  请刷新页面") rather than applied to a state the decider never saw.
- `assert_status`: refuse an action the record's status does not allow (ConflictError, HTTP 409): a step not
  yet taken says which (须先完成初审), a record someone decided says who and when, else the state alone.
- `need_text`: a comment or reason the decision needs.
- `first_reviewer`, `require_second_person`: the 复审 is never given by the 初审's reviewer (HTTP 403)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from accounts.errors import ConflictError, NotFoundError, ServiceError
from accounts.wording import action_en as action_in_english
from accounts.wording import label_en, label_zh, text_en
from registry.models import ReviewStep


@dataclass(frozen=True)
class Refusal:
    """One refusal's templates. Fields: {status} {status_en} (the record's state), {shown} (the state in the
    page's language), {action} {action_en}, {who} {at} (the last decision's), {step} {step_en} (what has to
    happen first)."""

    zh: str
    en: str
    code: str


@dataclass(frozen=True)
class Wording:
    """How the refusals of one kind of reviewed record read."""

    record: Callable[[Any], str]  # the record a refusal names
    not_now: Refusal  # the status does not allow the action
    handled: Refusal | None = None  # someone has decided the record: names who and when (its `decisions`)
    step: Refusal | None = None  # a step not yet taken (with `missing_step`)
    # (status, allowed) -> (zh, en) of what has to happen first, or None when the record has moved on
    missing_step: Callable[[str, tuple], tuple[str, str] | None] | None = None
    # the state as the refusal names it: by default the status choice's label in Chinese and in English
    choices: type[models.TextChoices] | None = None
    status_zh: Callable[[Any], str] | None = None
    status_en: Callable[[Any], str] | None = None

    def state_zh(self, obj) -> str:
        return self.status_zh(obj) if self.status_zh else label_zh(self.choices(obj.status).label)

    def state_en(self, obj) -> str:
        return self.status_en(obj) if self.status_en else label_en(self.choices(obj.status).label)


def lock(
    model_or_qs,
    pk_or_obj,
    expected_status: str | None = None,
    *,
    action: str = "处理",
    wording: Wording | None = None,
    missing: tuple[str, str] | None = None,
):
    """The row re-read under a lock. A model, or a queryset without a lock, locks the row alone
    (`of=("self",)`: not the rows its select_related joins); a queryset the caller locked keeps its lock.
    `missing`: the (zh, en) NotFoundError of a row that is gone; without it the model's DoesNotExist
    propagates. `expected_status`: see the module's docstring (needs `wording`)."""
    if expected_status and wording is None:
        raise TypeError("lock(expected_status=...) needs the wording of its stale-status refusal")
    qs = model_or_qs._default_manager.all() if isinstance(model_or_qs, type) else model_or_qs
    if not qs.query.select_for_update:
        qs = qs.select_for_update(of=("self",))
    pk = pk_or_obj.pk if isinstance(pk_or_obj, models.Model) else pk_or_obj
    try:
        locked = qs.get(pk=pk)
    except qs.model.DoesNotExist:
        if missing is None:
            raise
        raise NotFoundError(*missing, code="not_found") from None
    if expected_status and locked.status != expected_status:
        assert_status(locked, expected_status, action=action, wording=wording, race=True)
    return locked


def assert_status(
    obj, *allowed: str, action: str, wording: Wording, action_en: str | None = None, race: bool = False
) -> None:
    """Refuse an action the record's status does not allow (409). `race`: the decider saw another status on
    the page, so someone else has moved the record since (never answered as a step not yet taken).
    `action_en`: the action in English where the caller words it (default: accounts.wording's)."""
    if obj.status in allowed:
        return
    fields = {
        "status": wording.state_zh(obj),
        "status_en": wording.state_en(obj),
        "shown": _shown(obj, wording),
        "action": action,
        "action_en": action_en if action_en is not None else action_in_english(action),
    }
    missing = None if race or wording.missing_step is None else wording.missing_step(obj.status, allowed)
    if missing is not None and wording.step is not None:
        _refuse(wording.step, obj, wording, fields, step=missing[0], step_en=missing[1])
    last = obj.decisions.order_by("-id").select_related("actor").first() if wording.handled and obj.pk else None
    if last is not None:
        _refuse(
            wording.handled,
            obj,
            wording,
            fields,
            who=last.actor.display_name,
            at=f"{timezone.localtime(last.at):%Y-%m-%d %H:%M}",
        )
    _refuse(wording.not_now, obj, wording, fields)


def _shown(obj, wording: Wording) -> str:
    """The record's state in the page's language (a status field without choices: the wording's labels)."""
    display = getattr(obj, "get_status_display", None)
    if display is not None:
        return display()
    return str(wording.choices(obj.status).label) if wording.choices else wording.state_zh(obj)


def _refuse(refusal: Refusal, obj, wording: Wording, fields: dict, **more) -> None:
    raise ConflictError(
        refusal.zh.format(**fields, **more),
        refusal.en.format(**fields, **more),
        code=refusal.code,
        record=wording.record(obj),
    )


def need_text(
    text: str,
    *,
    what: str,
    record: str,
    en: str | None = None,
    code: str = "comment_required",
    field: str = "",
) -> str:
    """The comment or reason a decision needs, stripped; refused when empty ("请填写{what}"). `en`: the English
    message where the caller words it (default: "please enter" and accounts.wording's text)."""
    text = (text or "").strip()
    if not text:
        raise ServiceError(
            f"请填写{what}",
            en if en is not None else f"please enter {text_en(what)}",
            code=code,
            record=record,
            field=field,
        )
    return text


def first_reviewer(obj, *, status: str | None = None):
    """The reviewer of the record's latest 初审 (the one that led to the current round): its `decisions`
    with step first_review and, given `status`, that decision."""
    qs = obj.decisions.filter(step=ReviewStep.FIRST_REVIEW)
    if status is not None:
        qs = qs.filter(decision=status)
    last = qs.order_by("-id").select_related("actor").first()
    return last.actor if last else None


def require_second_person(actor, first, *, record: str, what: str = "", action: str = "") -> None:
    """The 复审 is never given by the reviewer of the 初审 (`first`: that user, or their id; None: no 初审
    recorded). The refusal names the record (`what`: "该备案") and the action refused, where given."""
    first_pk = first.pk if isinstance(first, models.Model) else first
    if first_pk is not None and first_pk == actor.pk:
        zh = "复审须由初审人以外的审核员进行"
        if what:
            zh += f",您已对{what}作出初审"
        if action:
            zh += f",不能{action}"
        raise ServiceError(
            zh, "the approver must not be the first reviewer", code="same_reviewer", record=record, status=403
        )
