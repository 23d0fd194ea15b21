"""Roster import: an enterprise uploads an .xlsx or .csv roster of researchers, their
degrees and their contracts at one of its centres. Every row goes through the same services as the
web forms; the preview is a dry run rolled back at the end, and the commit writes all rows or none."""

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.errors import ConflictError, ServiceError
from registry.services.documents import MARKUP
from talent import services
from talent.identity import resident_id_check_digit
from talent.models import DegreeLevel, IdType, RosterState, RosterUpload

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool = False
    help: str = ""


COLUMNS = (
    Column("name", "姓名", True),
    Column("id_type", "证件类型", False, "居民身份证 或 护照;空白按居民身份证"),
    Column("id_number", "证件号码", True, "18位身份证号码(末位可为X)或护照号码"),
    Column("nationality", "国籍", False, "护照持有人必填"),
    Column("phone", "联系电话"),
    Column("email", "邮箱"),
    Column("degree_level", "学位", False, "学士 / 硕士 / 博士;空白表示本行不登记学位"),
    Column("degree_full_time", "全日制", False, "是 / 否;空白按是"),
    Column("institution", "授予单位"),
    Column("discipline", "学科"),
    Column("key_discipline", "重点院校重点学科", False, "是 / 否;空白按否"),
    Column("awarded_on", "授予日期", False, "YYYY-MM-DD;登记学位时必填"),
    Column("contract_full_time", "全职", False, "是 / 否;空白按是"),
    Column("contract_start", "合同起始日期", True, "YYYY-MM-DD"),
    Column("contract_end", "合同终止日期", False, "YYYY-MM-DD(含当日);空白表示无固定期限"),
)
BY_KEY = {c.key: c for c in COLUMNS}
BY_TITLE = {c.title: c for c in COLUMNS} | {c.key: c for c in COLUMNS}

TRUE_WORDS = {"是", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×"}
ID_TYPES = {
    "居民身份证": IdType.RESIDENT_ID,
    "身份证": IdType.RESIDENT_ID,
    "resident_id": IdType.RESIDENT_ID,
    "护照": IdType.PASSPORT,
    "passport": IdType.PASSPORT,
}
LEVELS = {
    "学士": DegreeLevel.BACHELOR,
    "本科": DegreeLevel.BACHELOR,
    "硕士": DegreeLevel.MASTER,
    "博士": DegreeLevel.DOCTORATE,
    **{v: v for v in DegreeLevel.values},
}

# which column a service refusal belongs to, by the ServiceError code
CODE_COLUMN = {
    **services.PERSON_CODE_FIELDS,
    "degree_level": "degree_level",
    "awarded_on": "awarded_on",
    "contract_dates": "contract_end",
    "contract_overlap": "contract_start",
    "document_type": None,
    "key_institution": "institution",
    "key_discipline_name": "discipline",
    "degree_verified": "degree_level",
}
FIELD_COLUMN = {
    "email": "email",
    "phone": "phone",
    "name": "name",
    "nationality": "nationality",
    "institution": "institution",
    "discipline": "discipline",
}


class RosterFileError(ServiceError):
    """The file as a whole cannot be read (format, header, size)."""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table_from_xlsx(raw: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-xlsx file
        raise RosterFileError(
            "无法读取Excel文件,请使用下载的模板(.xlsx)", "cannot read the xlsx file", code="roster_file"
        ) from exc
    ws = wb.worksheets[0]
    rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    wb.close()
    return rows


def _table_from_csv(raw: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError("CSV文件编码无法识别,请保存为UTF-8或GBK编码", "unknown CSV encoding", code="roster_file")
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def parse_roster(filename: str, raw: bytes) -> list[dict]:
    """[{"row": spreadsheet row number, "values": {column key: text}}], blank rows skipped."""
    if len(raw) > MAX_BYTES:
        raise RosterFileError("文件超过5MB上限", "file too large", code="roster_file")
    ext = os.path.splitext(filename or "")[1].lower()
    # the content must be what the name says (an .xlsx is a ZIP package; a CSV is text, not markup)
    if ext == ".xlsx":
        if not raw.startswith(b"PK\x03\x04"):
            raise RosterFileError(
                "文件内容不是Excel(.xlsx)格式(文件头校验失败),请使用下载的模板",
                "the content is not an .xlsx workbook",
                code="roster_file",
            )
        table = _table_from_xlsx(raw)
    elif ext == ".csv":
        if b"\x00" in raw[:8192] or MARKUP.search(raw[:4096]):
            raise RosterFileError(
                "文件内容不是文本CSV(含有二进制数据或网页代码)", "the content is not a text CSV", code="roster_file"
            )
        table = _table_from_csv(raw)
    else:
        raise RosterFileError(
            f"仅支持 .xlsx 或 .csv 文件(收到“{ext or '无扩展名'}”)", "only .xlsx or .csv", code="roster_file"
        )
    if not table:
        raise RosterFileError("文件为空", "the file is empty", code="roster_file")
    header = [BY_TITLE.get(h.strip()) for h in table[0]]
    present = {c.key for c in header if c}
    missing = [c.title for c in COLUMNS if c.required and c.key not in present]
    if missing:
        raise RosterFileError(
            f"第1行表头缺少列:{'、'.join(missing)}(请使用下载的模板)",
            "the header row lacks required columns",
            code="roster_header",
        )
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {c.key: "" for c in COLUMNS}
        for col, text in zip(header, cells, strict=False):
            if col is not None:
                values[col.key] = text
        if any(values.values()):
            rows.append({"row": number, "values": values})
    if not rows:
        raise RosterFileError("文件中没有数据行", "no data rows", code="roster_empty")
    if len(rows) > MAX_ROWS:
        raise RosterFileError(f"一次最多导入{MAX_ROWS}行,请拆分文件", "too many rows", code="roster_size")
    return rows


def _date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{text}”不是有效日期,应为YYYY-MM-DD")


def _bool(text: str, default: bool) -> bool:
    if text == "":
        return default
    if text.lower() in TRUE_WORDS:
        return True
    if text.lower() in FALSE_WORDS:
        return False
    raise ValueError(f"“{text}”应为 是 或 否")


def _parse_row(values: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Typed values and [(column key, message)] for what cannot even be parsed."""
    out, errors = {}, []

    def field(key, fn):
        try:
            out[key] = fn(values[key])
        except ValueError as exc:
            errors.append((key, str(exc)))

    for col in COLUMNS:
        if col.required and not values[col.key]:
            errors.append((col.key, f"{col.title}不能为空"))
    id_type_text = values["id_type"] or "居民身份证"
    if id_type_text not in ID_TYPES:
        errors.append(("id_type", f"“{id_type_text}”应为 居民身份证 或 护照"))
    out["id_type"] = ID_TYPES.get(id_type_text)
    for key in ("name", "id_number", "nationality", "phone", "email", "institution", "discipline"):
        out[key] = values[key]
    if values["degree_level"]:
        if values["degree_level"] not in LEVELS:
            errors.append(("degree_level", f"“{values['degree_level']}”应为 学士、硕士 或 博士"))
        out["degree_level"] = LEVELS.get(values["degree_level"])
        if not values["awarded_on"]:
            errors.append(("awarded_on", "登记学位时授予日期不能为空"))
        else:
            field("awarded_on", _date)
        field("degree_full_time", lambda t: _bool(t, True))
        field("key_discipline", lambda t: _bool(t, False))
    elif any(values[k] for k in ("awarded_on", "institution", "discipline", "key_discipline")):
        errors.append(("degree_level", "填写了学位信息但学位为空"))
    field("contract_full_time", lambda t: _bool(t, True))
    if values["contract_start"]:
        field("contract_start", _date)
    out["contract_end"] = None
    if values["contract_end"]:
        field("contract_end", _date)
    return out, errors


def _service_errors(exc: ValidationError) -> list[tuple[str | None, str]]:
    if isinstance(exc, ServiceError):
        return [(CODE_COLUMN.get(exc.code), exc.zh)]
    if hasattr(exc, "error_dict"):
        return [
            (FIELD_COLUMN.get(f), f"{BY_KEY[FIELD_COLUMN[f]].title if f in FIELD_COLUMN else f}:{m}")
            for f, msgs in exc.message_dict.items()
            for m in msgs
        ]
    return [(None, m) for m in exc.messages]


def _apply_row(*, actor, centre, row: dict) -> None:
    researcher = services.researcher_upsert(
        actor=actor,
        id_type=row["id_type"],
        id_number=row["id_number"],
        name=row["name"],
        enterprise=centre.enterprise,
        **{k: row[k] for k in ("nationality", "phone", "email") if row[k]},
    )
    if row.get("degree_level"):
        services.degree_upsert(
            actor=actor,
            researcher=researcher,
            level=row["degree_level"],
            full_time=row["degree_full_time"],
            awarded_on=row["awarded_on"],
            key_discipline=row["key_discipline"],
            verified=False,
            enterprise=centre.enterprise,
            **{k: row[k] for k in ("institution", "discipline") if row[k]},
        )
    services.contract_upsert(
        actor=actor,
        researcher=researcher,
        centre=centre,
        full_time=row["contract_full_time"],
        start=row["contract_start"],
        end=row["contract_end"],
    )


def roster_apply(*, actor, centre, rows: list[dict], commit: bool) -> list[dict]:
    """Run every row through the services in one transaction. Returns every error as
    {"row", "column", "message"}; the transaction is rolled back unless `commit` and no errors."""
    errors: list[dict] = []

    def add(row_no, key, message):
        errors.append({"row": row_no, "column": BY_KEY[key].title if key else "", "message": message})

    with transaction.atomic():
        services.assert_may_act_for_centre(actor, centre, record=f"研发中心 {centre.ref}")
        names: dict[str, tuple[str, int]] = {}
        for item in rows:
            row_no = item["row"]
            parsed, problems = _parse_row(item["values"])
            for key, message in problems:
                add(row_no, key, message)
            if problems:
                continue
            key = parsed["id_number"].strip().upper()
            if key in names and names[key][0] != parsed["name"]:
                add(row_no, "name", f"与第{names[key][1]}行同一证件号码的姓名“{names[key][0]}”不一致")
                continue
            names.setdefault(key, (parsed["name"], row_no))
            try:
                with transaction.atomic():
                    _apply_row(actor=actor, centre=centre, row=parsed)
            except ValidationError as exc:
                for column, message in _service_errors(exc):
                    add(row_no, column, message)
        if errors or not commit:
            transaction.set_rollback(True)
    return errors


@transaction.atomic
def roster_preview(*, actor, centre, filename: str, raw: bytes) -> RosterUpload:
    """Parse and dry-run the roster; keep the rows and their errors for the preview page."""
    services.assert_may_act_for_centre(actor, centre, record=f"研发中心 {centre.ref}")
    rows = parse_roster(filename, raw)
    errors = roster_apply(actor=actor, centre=centre, rows=rows, commit=False)
    return RosterUpload.objects.create(
        centre=centre, uploaded_by=actor, filename=os.path.basename(filename)[:256], rows=rows, errors=errors
    )


def roster_commit(*, actor, upload: RosterUpload) -> RosterUpload:
    """Write every row, or none: a roster with any error (even one that appeared since the preview,
    e.g. a contract recorded meanwhile) is refused whole and its errors are stored for the page."""
    with transaction.atomic():
        upload = RosterUpload.objects.select_for_update().select_related("centre").get(pk=upload.pk)
        if upload.uploaded_by_id != actor.pk:
            raise ServiceError(
                "只能确认自己上传的花名册", "only the uploader commits a roster", code="forbidden", status=403
            )
        if upload.state == RosterState.COMMITTED:
            raise ConflictError(
                "该花名册已导入", "this roster was already imported", code="already_committed", record=upload.filename
            )
        errors = roster_apply(actor=actor, centre=upload.centre, rows=upload.rows, commit=True)
        if not errors:
            upload.state, upload.committed_at, upload.errors = RosterState.COMMITTED, timezone.now(), []
            upload.save(update_fields=["state", "committed_at", "errors"])
            return upload
    # the failed attempt rolled back on its own; remember its errors for the preview page
    RosterUpload.objects.filter(pk=upload.pk).update(errors=errors)
    raise ServiceError(
        f"花名册有{len(errors)}处错误,未导入任何记录,请修改后重新上传",
        "the roster has errors; nothing was imported",
        code="roster_invalid",
        record=upload.filename,
    )


def _example_id(prefix17: str) -> str:
    return prefix17 + resident_id_check_digit(prefix17)


def template_rows() -> list[list[str]]:
    """Header and example rows: a doctor with an open-ended contract, the same doctor's master's degree
    on a second row (the contract repeated), and a foreign researcher on a passport. The key-discipline
    masters name confirmed entries of the shipped key-institution list, so the sample imports as it is."""
    doctor = ["张三", "居民身份证", "110101199003077571", "", "13800000000", "zhangsan@example.com"]
    open_ended = ["是", "2024-04-01", ""]
    return [
        [c.title for c in COLUMNS],
        [*doctor, "博士", "是", "清华大学", "机械工程", "否", "2019-07-01", *open_ended],
        [*doctor, "硕士", "是", "北京科技大学", "材料科学与工程", "是", "2016-07-01", *open_ended],
        [
            "李四",
            "居民身份证",
            _example_id("64010419920512002"),
            "",
            "",
            "",
            "硕士",
            "是",
            "宁夏大学",
            "化学工程与技术",
            "是",
            "2018-06-30",
            "是",
            "2024-05-01",
            "2029-04-30",
        ],
        [
            "John Smith",
            "护照",
            "E12345678",
            "英国",
            "",
            "",
            "博士",
            "是",
            "University of Cambridge",
            "Physics",
            "否",
            "2015-06-30",
            "否",
            "2024-06-01",
            "2025-05-31",
        ],
    ]


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    for row in template_rows():
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, col in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, len(col.title) * 2 + 4)
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    for col in COLUMNS:
        notes.append([col.title, "是" if col.required else "", col.help])
    notes.append([])
    notes.append(["每行登记一名研发人员在本中心的一份合同;同一人有多个学位时每个学位一行,合同信息重复填写。"])
    notes.append(["导入的学位需经审核人员核验后才计入补助(NX-STIPEND)。示例行请删除后再上传。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_csv() -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(template_rows())
    return buf.getvalue().encode("utf-8-sig")
