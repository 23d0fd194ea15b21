"""Document uploads: PDF, JPG or PNG up to settings.DOCUMENT_MAX_BYTES, recognised by content signature
(never by the name alone), stored under a server-generated name in MEDIA_ROOT. A replacement is a new
version; the old one is kept."""

import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts import dispatch
from accounts.audit import acting
from accounts.errors import ConflictError, ServiceError
from accounts.files import (  # noqa: F401  (EXTENSIONS, MARKUP and sniff are read here by talent)
    EXTENSIONS,
    MARKUP,
    check_upload,
    clean_filename,
    sniff,
)
from registry.models import (
    Document,
    DocumentKind,
    DocumentPreviewRecord,
    Enterprise,
    Filing,
    FilingStatus,
    PreviewState,
)
from registry.services.entities import require_member

REQUIRED_STATUSES = (FilingStatus.DRAFT, FilingStatus.RETURNED)
logger = logging.getLogger(__name__)


def _store(data: bytes, ext: str) -> str:
    # server-generated name: nothing of the user's name reaches the file system
    return default_storage.save(f"documents/{uuid.uuid4().hex}.{ext}", ContentFile(data))


def _writable(filing: Filing | None, enterprise: Enterprise, actor) -> None:
    require_member(actor, enterprise, action="上传材料")
    if filing is not None and filing.status not in REQUIRED_STATUSES:
        raise ConflictError(
            f"备案当前状态为“{filing.get_status_display()}”,只能在草稿或退回修改时上传或替换材料",
            "documents can change only while the filing is a draft or returned",
            code="illegal_transition",
            record=str(filing),
        )


def _create(*, actor, enterprise, filing, kind, upload, previous=None) -> Document:
    if kind not in DocumentKind.values:
        raise ServiceError(f"材料类型“{kind}”无效", "unknown document kind", code="kind")
    data, name, ext, ctype = check_upload(upload)
    path = _store(data, ext)
    try:
        with acting(actor):
            doc = Document(
                enterprise=enterprise,
                filing=filing,
                kind=kind,
                original_name=name,
                file=path,
                content_type=ctype,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                previous=previous,
                version=(previous.version + 1) if previous else 1,
                uploaded_by=actor,
            )
            doc.full_clean()
            doc.save()
        _preview_schedule(doc)
    except Exception:
        default_storage.delete(path)
        raise
    return doc


@transaction.atomic
def document_upload(*, actor, enterprise: Enterprise, kind: str, upload, filing: Filing | None = None) -> Document:
    """Attach a new document. If a current document of the same kind is on the same filing, the upload
    replaces it (a new version; the old one is kept)."""
    if filing is not None:
        filing = Filing.objects.select_for_update().get(pk=filing.pk)
        if filing.centre.enterprise_id != enterprise.pk:
            raise ServiceError("材料的企业与备案的企业不一致", "enterprise mismatch", code="enterprise_mismatch")
    _writable(filing, enterprise, actor)
    current = (
        Document.objects.select_for_update()
        .filter(enterprise=enterprise, filing=filing, kind=kind, is_current=True)
        .first()
        if filing
        else None
    )
    if current is not None:
        return _replace(actor=actor, document=current, upload=upload)
    return _create(actor=actor, enterprise=enterprise, filing=filing, kind=kind, upload=upload)


def _replace(*, actor, document: Document, upload) -> Document:
    with acting(actor):
        Document.objects.filter(pk=document.pk).update(is_current=False)
    document.is_current = False
    return _create(
        actor=actor,
        enterprise=document.enterprise,
        filing=document.filing,
        kind=document.kind,
        upload=upload,
        previous=document,
    )


@transaction.atomic
def document_replace(*, actor, document: Document, upload) -> Document:
    document = Document.objects.select_for_update().get(pk=document.pk)
    _writable(document.filing, document.enterprise, actor)
    if not document.is_current:
        raise ConflictError(
            "该材料已有更新版本,请替换最新版本",
            "only the current version can be replaced",
            code="stale_version",
            record=str(document),
        )
    return _replace(actor=actor, document=document, upload=upload)


def document_history(document: Document) -> list[Document]:
    """All versions of a document, newest first."""
    chain = []
    current = document
    while current is not None:
        chain.append(current)
        current = current.previous
    return chain


# --- inline preview ----------------------------------------------------------------------------------------
# Documents are other people's files and untrusted. Images are shown as the stored bytes, re-checked by their
# signature on every request; PDFs never reach the browser as PDFs: poppler renders the first pages to PNG on
# the server (time- and memory-limited), so no active PDF content runs in the reviewer's browser.
#
# Rendering is off the request path: an upload records the document's preview as pending and a
# Celery task renders it after the upload commits (settings.DOCUMENT_PREVIEWS_ON_CELERY; without Celery,
# under pytest, the upload renders it itself). The outcome — ready, failed with the reason, or timed out —
# is kept in DocumentPreviewRecord, so a page view only reads it and never starts poppler, and a file that
# failed or timed out is not tried again on each view. Rendered pages are kept under
# MEDIA_ROOT/previews/<id>-<sha256 prefix>/: a document row never changes its bytes (a replacement is a new
# row), so they need no invalidation.

PREVIEW_MAX_PAGES = 5
PREVIEW_LONG_SIDE = 1240  # pixels on the page's long side: A4 at about 106 dpi, readable and modest
PREVIEW_MAX_ATTEMPTS = 3  # times a render is queued before a preview whose task never finished is given up
PREVIEW_ERRORS = {
    "corrupt": gettext_lazy("PDF文件已损坏或结构无效,无法生成预览。请下载原文件核对,或请企业重新上传。"),
    "encrypted": gettext_lazy("PDF文件已加密(设有打开密码),无法生成预览。请下载原文件查看,或请企业上传未加密的文件。"),
    "no_pages": gettext_lazy("PDF文件没有可显示的页面,无法生成预览。请下载原文件核对。"),
    "timeout": gettext_lazy("PDF页面过于复杂,生成预览超时,已停止生成。请下载原文件查看。"),
    "missing": gettext_lazy("存储中找不到该文件,无法预览。请联系管理员。"),
    "unsupported": gettext_lazy("该文件类型不支持在线预览,请下载查看。"),
    "tool_missing": gettext_lazy("服务器未安装PDF预览组件(poppler-utils),请下载原文件查看。"),
    "error": gettext_lazy("生成预览时出错,请下载原文件查看。"),
}
IMAGE_TYPES = ("image/png", "image/jpeg")


@dataclass(frozen=True)
class DocumentPreview:
    """What the preview of one document shows: an image, the first pages of a PDF, that it is still being
    rendered, or why there is none."""

    document: Document
    kind: str  # "image" | "pdf" | "file"
    page_count: int = 0  # pages in the whole PDF
    pages: tuple[int, ...] = ()  # page numbers rendered (the first PREVIEW_MAX_PAGES)
    error: str = ""  # a PREVIEW_ERRORS key
    state: str = PreviewState.READY

    @property
    def pending(self) -> bool:
        return self.state == PreviewState.PENDING

    @property
    def error_message(self) -> str:
        return str(PREVIEW_ERRORS.get(self.error, PREVIEW_ERRORS["error"])) if self.error else ""

    @property
    def truncated(self) -> bool:
        return self.page_count > len(self.pages)


class PreviewUnavailable(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _previews_on_celery() -> bool:
    return getattr(settings, "DOCUMENT_PREVIEWS_ON_CELERY", getattr(settings, "PAYOUT_RUNS_ON_CELERY", False))


def _preview_schedule(document: Document) -> None:
    """At upload, inside its transaction: an image needs no rendering; a PDF is recorded as pending and
    rendered by a Celery task once the upload commits (or here, without Celery)."""
    now = timezone.now()
    if document.content_type in IMAGE_TYPES:
        DocumentPreviewRecord.objects.create(document=document, state=PreviewState.READY, finished_at=now)
        return
    if document.content_type != "application/pdf":
        DocumentPreviewRecord.objects.create(
            document=document, state=PreviewState.FAILED, error="unsupported", finished_at=now
        )
        return
    DocumentPreviewRecord.objects.create(document=document, state=PreviewState.PENDING, attempts=1, queued_at=now)
    rendered = _preview_queue(document.pk)
    if rendered is not None:
        document.preview_record = rendered  # what the caller shows next is the recorded outcome


def _preview_queue(document_id: int) -> DocumentPreviewRecord | None:
    """Render on Celery once the current transaction commits, or here without Celery (then the outcome)."""
    if not _previews_on_celery():
        return document_preview_render(document_id=document_id)
    dispatch.after_commit("registry.tasks.render_document_preview", document_id)
    return None


def preview_root() -> Path:
    """Where rendered preview pages live (filing documents and degree certificates)."""
    return _preview_root()


def _preview_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "previews"


def _preview_dir(document: Document) -> Path:
    return _preview_root() / f"{document.pk}-{document.sha256[:16]}"


def _read_stored(document: Document) -> bytes:
    return read_stored_file(document.file)


def read_stored_file(field_file) -> bytes:
    """The stored bytes of an uploaded file (up to one byte over the limit), or PreviewUnavailable."""
    try:
        with field_file.open("rb") as handle:
            return handle.read(settings.DOCUMENT_MAX_BYTES + 1)
    except (FileNotFoundError, OSError):
        raise PreviewUnavailable("missing") from None


def document_preview_image(*, document: Document) -> tuple[bytes, str]:
    """The stored bytes of an image document and the content type its signature proves (the row's
    content_type is not trusted on its own: the bytes on disk are checked again)."""
    data = _read_stored(document)
    detected = sniff(data)
    if detected not in IMAGE_TYPES or detected != document.content_type:
        raise PreviewUnavailable("unsupported")
    return data, detected


def _run_poppler(args: list[str], deadline: float) -> subprocess.CompletedProcess:
    """Run a poppler tool on an untrusted file: no shell, a minimal environment, the wall-clock time left
    until `deadline` (the whole render shares settings.DOCUMENT_PREVIEW_TIMEOUT seconds) and, where
    prlimit exists, caps on memory and CPU time."""
    if shutil.which(args[0]) is None:
        raise PreviewUnavailable("tool_missing")
    timeout = deadline - time.monotonic()
    if timeout <= 0:
        raise PreviewUnavailable("timeout")
    prlimit = shutil.which("prlimit")
    if prlimit:
        args = [prlimit, f"--as={1024**3}", f"--cpu={int(timeout) + 1}", "--", *args]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    try:
        result = subprocess.run(args, capture_output=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise PreviewUnavailable("timeout") from None
    if result.returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # the CPU cap of prlimit ended it
        raise PreviewUnavailable("timeout")
    return result


def _pdf_page_count(path: str, deadline: float) -> int:
    result = _run_poppler(["pdfinfo", path], deadline)  # the path is server-generated (documents/<uuid>.pdf)
    if result.returncode != 0:
        err = result.stderr.decode("utf-8", "replace").lower()
        raise PreviewUnavailable("encrypted" if "password" in err or "encrypt" in err else "corrupt")
    match = re.search(rb"^Pages:\s+(\d+)\s*$", result.stdout, re.M)
    if match is None:
        raise PreviewUnavailable("corrupt")
    if int(match.group(1)) < 1:
        raise PreviewUnavailable("no_pages")
    return int(match.group(1))


def _render_pdf(document: Document, into: Path) -> dict:
    """Render the first pages of the PDF into `into` (page-1.png …); return what was rendered."""
    return render_pdf_pages(document.file, into)


def render_pdf_pages(field_file, into: Path) -> dict:
    """Render the first pages of a stored PDF (any FileField's file: filing documents, degree certificates)
    into `into` (page-1.png …) with the time and memory limits of _run_poppler; return what was rendered."""
    deadline = time.monotonic() + float(getattr(settings, "DOCUMENT_PREVIEW_TIMEOUT", 20))
    try:
        path = field_file.path
    except NotImplementedError:  # a storage without local paths: render from a private temporary copy
        path = None
    with tempfile.TemporaryDirectory() as tmp:
        if path is None:
            path = os.path.join(tmp, "document.pdf")
            Path(path).write_bytes(read_stored_file(field_file))
        if not os.path.exists(path):
            raise PreviewUnavailable("missing")
        if sniff(Path(path).read_bytes()) != "application/pdf":
            raise PreviewUnavailable("corrupt")
        count = _pdf_page_count(path, deadline)
        last = min(count, PREVIEW_MAX_PAGES)
        result = _run_poppler(
            [
                "pdftoppm",
                "-png",
                "-f",
                "1",
                "-l",
                str(last),
                "-scale-to",
                str(PREVIEW_LONG_SIDE),
                path,
                os.path.join(tmp, "page"),
            ],
            deadline,
        )
        produced = sorted(Path(tmp).glob("page-*.png"))
        if result.returncode != 0 or len(produced) != last:
            raise PreviewUnavailable("corrupt")
        for page_file in produced:  # pdftoppm pads the number (page-01.png with 10+ pages)
            number = int(page_file.stem.rsplit("-", 1)[1])
            shutil.move(str(page_file), into / f"page-{number}.png")
    return {"page_count": count, "pages": list(range(1, last + 1))}


def _rendered_pages(document: Document) -> dict:
    """The document's pages, rendered into its preview folder (or found there: a task delivered twice)."""
    return rendered_pages_in(_preview_dir(document), lambda work: _render_pdf(document, work))


def rendered_pages_in(final: Path, render) -> dict:
    """Pages rendered by `render(work_dir)` into the preview folder `final` (under _preview_root()), moved
    there whole once done; found there when a task is delivered twice."""
    meta_file = final / "meta.json"
    if meta_file.exists():
        return json.loads(meta_file.read_text())
    _preview_root().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=_preview_root()))
    try:
        meta = render(work)
        (work / "meta.json").write_text(json.dumps(meta))
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    try:
        os.rename(work, final)
    except OSError:  # another delivery of the task rendered it first: theirs is the same
        shutil.rmtree(work, ignore_errors=True)
    return meta


def document_preview_render(*, document_id: int) -> DocumentPreviewRecord | None:
    """Render a pending PDF preview and record the outcome: ready, failed with the reason, or timed out
    (poppler stopped after settings.DOCUMENT_PREVIEW_TIMEOUT seconds). The Celery task's body; safe to run
    twice: an outcome already recorded is kept and nothing is rendered again."""
    record = DocumentPreviewRecord.objects.select_related("document").filter(pk=document_id).first()
    if record is None or record.state != PreviewState.PENDING:
        return record
    outcome = {"state": PreviewState.READY, "error": "", "page_count": 0, "pages_rendered": 0}
    try:
        meta = _rendered_pages(record.document)
        outcome.update(page_count=meta["page_count"], pages_rendered=len(meta["pages"]))
    except PreviewUnavailable as exc:
        outcome.update(state=PreviewState.TIMED_OUT if exc.code == "timeout" else PreviewState.FAILED, error=exc.code)
    except Exception:  # anything else poppler or the storage throws is told as a failure, not retried
        logger.exception("preview of document %s failed", document_id)
        outcome.update(state=PreviewState.FAILED, error="error")
    DocumentPreviewRecord.objects.filter(pk=document_id, state=PreviewState.PENDING).update(
        finished_at=timezone.now(), **outcome
    )
    record.refresh_from_db()
    return record


def requeue_stale_previews(model, queue, *, older_than: dt.timedelta) -> int:
    """Queue again the preview rows of `model` (a document's or a degree certificate's) still pending long
    after they were queued (a task lost with its broker or worker): `queue(pk)` each, after the locks are
    released, since rendering inline may take a while. After PREVIEW_MAX_ATTEMPTS a row is recorded as failed
    instead. Returns how many were queued again."""
    now = timezone.now()
    again = []
    with transaction.atomic():
        stale = model.objects.select_for_update(skip_locked=True).filter(
            state=PreviewState.PENDING, queued_at__lt=now - older_than
        )
        for record in stale:
            if record.attempts >= PREVIEW_MAX_ATTEMPTS:
                model.objects.filter(pk=record.pk).update(state=PreviewState.FAILED, error="error", finished_at=now)
            else:
                model.objects.filter(pk=record.pk).update(attempts=record.attempts + 1, queued_at=now)
                again.append(record.pk)
    for pk in again:
        queue(pk)
    return len(again)


def document_preview_requeue_stale(*, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> int:
    """Beat: queue again the previews still pending long after they were queued (a task lost with its
    broker or worker). After PREVIEW_MAX_ATTEMPTS the preview is recorded as failed instead. Returns how
    many were queued again."""
    return requeue_stale_previews(DocumentPreviewRecord, _preview_queue, older_than=older_than)


def _record_of(document: Document) -> DocumentPreviewRecord | None:
    try:
        return document.preview_record
    except DocumentPreviewRecord.DoesNotExist:
        return None


def document_preview(*, document: Document) -> DocumentPreview:
    """The preview of a document the caller has already fetched through an actor-scoped selector
    (selectors.document_get / document_list), as recorded: never renders anything, so a page showing
    previews answers at once whatever the documents hold."""
    if document.content_type in IMAGE_TYPES:
        return DocumentPreview(document=document, kind="image")
    if document.content_type != "application/pdf":
        return DocumentPreview(document=document, kind="file", error="unsupported", state=PreviewState.FAILED)
    record = _record_of(document)
    if record is None or record.state == PreviewState.PENDING:
        return DocumentPreview(document=document, kind="pdf", state=PreviewState.PENDING)
    if record.state != PreviewState.READY:
        return DocumentPreview(document=document, kind="pdf", state=record.state, error=record.error or "error")
    return DocumentPreview(
        document=document,
        kind="pdf",
        page_count=record.page_count,
        pages=tuple(range(1, record.pages_rendered + 1)),
        state=record.state,
    )


def document_preview_page(*, document: Document, page: int) -> Path | None:
    """The rendered PNG of one PDF page, or None when that page has no preview (yet)."""
    preview = document_preview(document=document)
    if preview.kind != "pdf" or page not in preview.pages:
        return None
    path = _preview_dir(document) / f"page-{page}.png"
    return path if path.exists() else None
