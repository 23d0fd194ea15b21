"""Scenario import (SCENARIOS.md): all of it or none of it, through the same services as the web
forms and the API, by the recorded system actor. Errors name the record and the problem."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.errors import ServiceError
from accounts.models import system_actor
from registry import services as registry_services
from registry.history import Entry as FilingEntry
from registry.models import Centre, Enterprise
from subsidies.declarations.services import rd_declaration_record
from subsidies.parameters.services import parameter_set
from talent import services as talent_services
from talent.models import Researcher

SECTIONS = ("enterprises", "centres", "researchers", "contracts", "rd_declarations", "parameters")


class ScenarioError(Exception):
    def __init__(self, where: str, message: str):
        self.where, self.message = where, message
        super().__init__(f"{where}: {message}")


def _date(value, *, where: str, field: str, required: bool = True) -> dt.date | None:
    if value is None:
        if required:
            raise ScenarioError(where, f"缺少{field} / {field} is required")
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(where, f"{field}“{value}”不是有效日期(YYYY-MM-DD) / not a valid date") from None


def _get(obj, key: str) -> str:
    """A record's identifying value for messages, whatever shape the record has."""
    return str(obj.get(key, "?")) if isinstance(obj, dict) else "?"


def _require(obj: dict, keys, where: str) -> None:
    if not isinstance(obj, dict):
        raise ScenarioError(where, "应为对象 / must be an object")
    missing = [k for k in keys if obj.get(k) in (None, "")]
    if missing:
        raise ScenarioError(where, f"缺少字段 {', '.join(missing)} / missing {', '.join(missing)}")


def _bool(value, *, where: str, field: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ScenarioError(where, f"{field}应为 true/false / {field} must be a boolean")
    return value


@transaction.atomic
def import_scenario(data: dict[str, Any]) -> dict[str, int]:
    """Import a scenario fragment. Raises ScenarioError (and rolls back everything) on the first bad record."""
    if not isinstance(data, dict):
        raise ScenarioError("文件", "顶层应为JSON对象 / the top level must be a JSON object")
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ScenarioError("文件", f"未知的部分 {', '.join(sorted(unknown))} / unknown sections")
    actor = system_actor()
    where = "文件"  # the record being imported, named in any refusal
    counts = dict.fromkeys(SECTIONS, 0)
    try:
        for i, e in enumerate(data.get("enterprises") or []):
            where = f"enterprises[{i}]({_get(e, 'uscc')})"
            _require(e, ("uscc", "name", "division_code"), where)
            extra = {
                k: e[k]
                for k in (
                    "legal_representative",
                    "contact_name",
                    "contact_phone",
                    "contact_email",
                    "bank_name",
                    "bank_account",
                    "bank_cnaps",
                )
                if k in e
            }
            registry_services.enterprise_upsert(
                actor=actor, uscc=e["uscc"], name=e["name"], division_code=str(e["division_code"]), **extra
            )
            counts["enterprises"] += 1
        for i, c in enumerate(data.get("centres") or []):
            where = f"centres[{i}]({_get(c, 'ref')})"
            _require(c, ("ref", "enterprise", "name", "city", "division_code"), where)
            enterprise = Enterprise.objects.filter(uscc=str(c["enterprise"]).upper()).first()
            if enterprise is None:
                raise ScenarioError(where, f"依托企业{c['enterprise']}不存在 / unknown enterprise")
            extra = {k: c[k] for k in ("partner_institution", "address", "rd_fields", "headcount") if k in c}
            if c.get("established_on"):
                extra["established_on"] = _date(c["established_on"], where=where, field="established_on")
            centre = registry_services.centre_upsert(
                actor=actor,
                ref=c["ref"],
                enterprise=enterprise,
                name=c["name"],
                city=c["city"],
                division_code=str(c["division_code"]),
                kind=c.get("kind") or "independent",
                **extra,
            )
            # the centre's filing history, level by level in the order listed (SCENARIOS.md: several filings of
            # one level may appear, e.g. a revoked one with its window, then the re-filing)
            histories: dict[str, list[FilingEntry]] = {}
            for j, f in enumerate(c.get("filings") or []):
                fw = f"{where}.filings[{j}]"
                _require(f, ("level", "status"), fw)
                histories.setdefault(str(f["level"]), []).append(
                    FilingEntry(
                        f"filings[{j}]",
                        str(f["status"]),
                        _date(f.get("effective_from"), where=fw, field="effective_from", required=False),
                        _date(f.get("effective_to"), where=fw, field="effective_to", required=False),
                        str(f.get("reason") or ""),
                    )
                )
            for level, entries in histories.items():
                registry_services.filing_history_import(actor=actor, centre=centre, level=level, entries=entries)
            counts["centres"] += 1
        for i, r in enumerate(data.get("researchers") or []):
            where = f"researchers[{i}]({_get(r, 'id_number')})"
            _require(r, ("id_type", "id_number", "name"), where)
            extra = {k: r[k] for k in ("nationality", "phone", "email") if k in r}
            researcher = talent_services.researcher_upsert(
                actor=actor, id_type=r["id_type"], id_number=str(r["id_number"]), name=r["name"], **extra
            )
            for j, d in enumerate(r.get("degrees") or []):
                dw = f"{where}.degrees[{j}]"
                _require(d, ("level", "awarded_on"), dw)
                extra = {k: d[k] for k in ("institution", "discipline") if k in d}
                talent_services.degree_upsert(
                    actor=actor,
                    researcher=researcher,
                    level=d["level"],
                    full_time=_bool(d.get("full_time"), where=dw, field="full_time", default=True),
                    key_discipline=_bool(d.get("key_discipline"), where=dw, field="key_discipline", default=False),
                    awarded_on=_date(d["awarded_on"], where=dw, field="awarded_on"),
                    verified=True,
                    **extra,
                )
            counts["researchers"] += 1
        for i, c in enumerate(data.get("contracts") or []):
            where = f"contracts[{i}]({_get(c, 'researcher')} @ {_get(c, 'centre')})"
            _require(c, ("researcher", "centre", "start"), where)
            researcher = Researcher.objects.filter(id_number=str(c["researcher"]).strip().upper()).first()
            if researcher is None:
                raise ScenarioError(where, f"研发人员{c['researcher']}不存在 / unknown researcher")
            centre = Centre.objects.filter(ref=c["centre"]).first()
            if centre is None:
                raise ScenarioError(where, f"研发中心{c['centre']}不存在 / unknown centre")
            talent_services.contract_upsert(
                actor=actor,
                researcher=researcher,
                centre=centre,
                full_time=_bool(c.get("full_time"), where=where, field="full_time", default=True),
                start=_date(c["start"], where=where, field="start"),
                end=_date(c.get("end"), where=where, field="end", required=False),
                terminated_on=_date(c.get("terminated_on"), where=where, field="terminated_on", required=False),
                termination_reason=c.get("termination_reason", ""),
            )
            counts["contracts"] += 1
        for i, d in enumerate(data.get("rd_declarations") or []):
            where = f"rd_declarations[{i}]({_get(d, 'centre')} {_get(d, 'year')})"
            _require(d, ("centre", "year"), where)
            centre = Centre.objects.filter(ref=d["centre"]).first()
            if centre is None:
                raise ScenarioError(where, f"研发中心{d['centre']}不存在 / unknown centre")
            if not isinstance(d["year"], int) and not str(d["year"]).isdigit():
                raise ScenarioError(where, f"年度“{d['year']}”无效 / year must be a number")
            # a scenario records a declaration as verified: without a declared amount, the verified one was
            # declared (a later entry is a revised declaration, never a verification above the declaration)
            declared = d.get("declared_amount")
            rd_declaration_record(
                actor=actor,
                centre=centre,
                year=int(d["year"]),
                verified_amount=d.get("verified_amount"),
                declared_amount=d.get("verified_amount") if declared in (None, "") else declared,
            )
            counts["rd_declarations"] += 1
        for i, p in enumerate(data.get("parameters") or []):
            where = f"parameters[{i}]({_get(p, 'name')})"
            _require(p, ("name", "value", "effective_from"), where)
            parameter_set(
                actor=actor,
                name=p["name"],
                value=str(p["value"]),
                effective_from=_date(p["effective_from"], where=where, field="effective_from"),
                legal_reference=p.get("legal_reference", ""),
            )
            counts["parameters"] += 1
    except ServiceError as exc:
        raise ScenarioError(where, " ".join(exc.messages)) from None
    except ValidationError as exc:  # a model's own validation (e-mail, lengths) names the record too
        raise ScenarioError(where, " ".join(exc.messages)) from None
    except (TypeError, ValueError) as exc:  # a value of the wrong shape (a list where a date belongs...)
        raise ScenarioError(where, f"取值格式错误 / malformed value: {exc}") from None
    return counts
