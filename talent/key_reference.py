"""The key-institution reference data (重点院校重点学科名录, POLICY NX-STIPEND's master's tier): staff add, edit and
retire institutions and their disciplines, each with its source, date and validity, audited; a CSV imports
them all or nothing. Degrees are checked against the list in force on their award date
(talent.services.degree_upsert)."""

import csv
import datetime as dt
import io

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import acting
from accounts.errors import ServiceError
from accounts.models import Role
from talent.models import (
    KeyDiscipline,
    KeyInstitution,
    ReferenceStatus,
)


def _assert_reference_staff(actor) -> None:
    if not (actor.is_reviewer or actor.is_portal_admin or actor.role == Role.SYSTEM):
        raise ServiceError(
            "只有审核人员或管理员可以维护重点院校名录",
            "only staff maintain the key-institution list",
            code="forbidden",
            status=403,
        )


def _reference_values(entry, given: dict) -> dict:
    """The reference fields a caller set (the CSV sets none of them: a row keeps what staff recorded)."""
    values = {k: v for k, v in given.items() if v is not None}
    if "status" in values and values["status"] not in ReferenceStatus.values:
        raise ServiceError(
            f"核实状态“{values['status']}”无效", "unknown status", code="status", record=f"重点院校名录 {entry}"
        )
    return values


def _save_reference(entry, values: dict, *, record: str):
    if entry.pk is None or any(getattr(entry, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(entry, k, v)
        try:
            entry.full_clean()
        except ValidationError as exc:
            raise ServiceError(
                "；".join(str(m) for ms in exc.message_dict.values() for m in ms),
                "the entry is invalid",
                code="invalid",
                record=record,
            ) from exc
        entry.save()
    return entry


@transaction.atomic
def key_institution_upsert(
    *,
    actor,
    name: str,
    code: str = "",
    is_active: bool = True,
    note: str = "",
    status: str | None = None,
    source: str | None = None,
    source_date: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> KeyInstitution:
    """Add or change a key institution (audited). The reference fields are left as recorded when not given."""
    _assert_reference_staff(actor)
    name = (name or "").strip()
    if not name:
        raise ServiceError("院校名称不能为空", "institution name is required", code="required", record="重点院校")
    with acting(actor):
        inst = KeyInstitution.objects.select_for_update().filter(name=name).first() or KeyInstitution(name=name)
        values = {
            "code": (code or "").strip(),
            "is_active": is_active,
            "note": note,
            **_reference_values(
                name,
                {
                    "status": status,
                    "source": source,
                    "source_date": source_date,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                },
            ),
        }
        return _save_reference(inst, values, record=f"重点院校 {name}")


@transaction.atomic
def key_discipline_upsert(
    *,
    actor,
    institution: KeyInstitution,
    name: str,
    is_active: bool = True,
    note: str = "",
    status: str | None = None,
    source: str | None = None,
    source_date: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> KeyDiscipline:
    _assert_reference_staff(actor)
    name = (name or "").strip()
    if not name:
        raise ServiceError(
            "学科名称不能为空", "discipline name is required", code="required", record=f"重点院校 {institution.name}"
        )
    with acting(actor):
        disc = KeyDiscipline.objects.select_for_update().filter(
            institution=institution, name=name
        ).first() or KeyDiscipline(institution=institution, name=name)
        values = {
            "is_active": is_active,
            "note": note,
            **_reference_values(
                f"{institution.name}·{name}",
                {
                    "status": status,
                    "source": source,
                    "source_date": source_date,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                },
            ),
        }
        return _save_reference(disc, values, record=f"重点院校 {institution.name} 的重点学科 {name}")


@transaction.atomic
def key_reference_retire(
    *, actor, entry: KeyInstitution | KeyDiscipline, valid_to: dt.date, reason: str
) -> KeyInstitution | KeyDiscipline:
    """Retire an entry from a date: degrees awarded up to that day still count; later ones do not."""
    _assert_reference_staff(actor)
    record = f"重点院校名录 {entry}"
    if not (reason or "").strip():
        raise ServiceError("停用须说明原因", "a reason is required to retire an entry", code="reason", record=record)
    with acting(actor):
        entry = type(entry).objects.select_for_update().get(pk=entry.pk)
        note = f"{entry.note};停用:{reason.strip()}" if entry.note else f"停用:{reason.strip()}"
        return _save_reference(entry, {"valid_to": valid_to, "note": note[:256]}, record=record)


KEY_CSV_COLUMNS = {
    "院校名称": "institution",
    "院校代码": "code",
    "重点学科": "discipline",
    "有效": "active",
    "备注": "note",
    "institution": "institution",
    "code": "code",
    "discipline": "discipline",
    "active": "active",
    "note": "note",
}
TRUE_WORDS = {"是", "y", "yes", "true", "1", "有效", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "无效", "停用", "×"}


class ReferenceImportError(ServiceError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(";".join(errors), "the CSV has errors; nothing was imported", code="csv_invalid")


def _decode_csv(raw: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ReferenceImportError(["文件编码无法识别,请保存为UTF-8或GBK编码的CSV"])


@transaction.atomic
def key_reference_import_csv(*, actor, raw: bytes) -> dict[str, int]:
    """Import key institutions and their key disciplines from CSV (columns 院校名称, 院校代码, 重点学科, 有效,
    备注; one row per institution–discipline pair). All rows or none; every bad row is reported."""
    _assert_reference_staff(actor)
    reader = csv.DictReader(io.StringIO(_decode_csv(raw)))
    header = {h: KEY_CSV_COLUMNS.get((h or "").strip()) for h in (reader.fieldnames or [])}
    if "institution" not in header.values():
        raise ReferenceImportError(["缺少“院校名称”列(表头应为:院校名称,院校代码,重点学科,有效,备注)"])
    errors, counts = [], {"institutions": 0, "disciplines": 0}
    seen_inst = set()
    for line, raw_row in enumerate(reader, start=2):
        row = {header[k]: (v or "").strip() for k, v in raw_row.items() if k in header and header[k]}
        if not any(row.values()):
            continue
        active_word = row.get("active", "").lower()
        if active_word and active_word not in TRUE_WORDS | FALSE_WORDS:
            errors.append(f"第{line}行“有效”列:“{row['active']}”应为 是 或 否")
            continue
        active = active_word not in FALSE_WORDS
        try:
            with transaction.atomic():
                discipline, name = row.get("discipline", ""), row.get("institution", "").strip()
                # a discipline row names its institution: it creates one not listed yet, and never changes
                # a listed one (its 有效 and 备注 belong to the discipline, not to the institution)
                inst = (
                    KeyInstitution.objects.filter(name=name).first() if discipline and name else None
                ) or key_institution_upsert(
                    actor=actor,
                    name=name,
                    code=row.get("code", ""),
                    is_active=active if not discipline else True,
                    note="" if discipline else row.get("note", ""),
                )
                if inst.pk not in seen_inst:
                    seen_inst.add(inst.pk)
                    counts["institutions"] += 1
                if discipline:
                    key_discipline_upsert(
                        actor=actor, institution=inst, name=discipline, is_active=active, note=row.get("note", "")
                    )
                    counts["disciplines"] += 1
        except ServiceError as exc:
            errors.append(f"第{line}行:{exc.zh}")
    if errors:
        raise ReferenceImportError(errors)
    return counts
