"""The portal's file check, which every upload passes (filing documents, grant attachments, contracts,
degree certificates, rosters): a safe name with one allowed extension, PDF/JPG/PNG by content
signature and structure, no markup a browser could sniff as HTML, within settings.DOCUMENT_MAX_BYTES.
A refusal is a ServiceError naming the file."""

import re
import struct
import unicodedata
import zlib

from django.conf import settings

from accounts.errors import ServiceError

EXTENSIONS = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}
# Suffixes that must not hide inside a name (x.pdf.exe, x.php.png): executables, scripts, markup.
DANGEROUS_INNER = {
    "exe",
    "com",
    "bat",
    "cmd",
    "scr",
    "pif",
    "msi",
    "dll",
    "js",
    "mjs",
    "vbs",
    "vbe",
    "jse",
    "wsf",
    "ps1",
    "sh",
    "bash",
    "php",
    "phtml",
    "jsp",
    "asp",
    "aspx",
    "cgi",
    "pl",
    "py",
    "rb",
    "jar",
    "html",
    "htm",
    "xhtml",
    "svg",
    "xml",
    "hta",
    "lnk",
    "pdf",
    "jpg",
    "jpeg",
    "png",
}
# What a browser's sniffer treats as HTML/script: refused anywhere in the first bytes of any upload.
MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|\?xml|meta)\b", re.I)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def file_refusal(zh: str, en: str, code: str, name: str) -> ServiceError:
    return ServiceError(zh, en, code=code, record=f"文件“{name}”")


def clean_filename(name: str) -> tuple[str, str]:
    """Return (safe display name, extension) or refuse: no paths, no control characters, one of the
    allowed extensions, no second extension hiding behind it."""
    raw = name or ""
    shown = raw[-80:]
    if not raw.strip():
        raise file_refusal("文件名不能为空", "a file name is required", "name", shown)
    if "/" in raw or "\\" in raw or ".." in raw or "\x00" in raw:
        raise file_refusal("文件名不能包含路径(/、\\ 或 ..)", "file names must not contain paths", "name_path", shown)
    if any(unicodedata.category(c).startswith("C") for c in raw):
        raise file_refusal("文件名含有控制字符", "file name has control characters", "name_control", shown)
    if len(raw) > 200:
        raise file_refusal("文件名过长(最多200个字符)", "file name too long", "name_length", shown)
    parts = raw.strip().split(".")
    ext = parts[-1].lower() if len(parts) > 1 else ""
    if ext not in EXTENSIONS:
        raise file_refusal("只能上传PDF、JPG或PNG文件", "only PDF, JPG or PNG files are accepted", "extension", shown)
    inner = {p.lower().strip() for p in parts[1:-1]}
    if inner & DANGEROUS_INNER:
        raise file_refusal(
            "文件名含有双重扩展名,请改名后上传", "double extensions are not accepted", "double_extension", shown
        )
    return raw.strip(), ext


def _png_ok(data: bytes) -> bool:
    """Walk the chunks: IHDR first, every CRC right, IEND last (nothing hidden after it)."""
    pos = len(PNG_MAGIC)
    first = True
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        crc = data[pos + 8 + length : pos + 12 + length]
        if len(body) != length or len(crc) != 4 or not ctype.isalpha():
            return False
        if struct.unpack(">I", crc)[0] != zlib.crc32(ctype + body) & 0xFFFFFFFF:
            return False
        if first and (ctype != b"IHDR" or length != 13):
            return False
        first = False
        pos += 12 + length
        if ctype == b"IEND":
            return pos == len(data)
    return False


def _jpeg_ok(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff" and b"\xff\xd9" in data[-1024:]


def _pdf_ok(data: bytes) -> bool:
    return re.match(rb"%PDF-\d\.\d", data[:16]) is not None and b"%%EOF" in data[-2048:]


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (PDF, JPEG, PNG), or None."""
    if data.startswith(PNG_MAGIC):
        return "image/png" if _png_ok(data) else None
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg" if _jpeg_ok(data) else None
    if data.startswith(b"%PDF-"):
        return "application/pdf" if _pdf_ok(data) else None
    return None


def check_upload(upload) -> tuple[bytes, str, str, str]:
    """Validate an uploaded file; return (content, safe name, extension, content type)."""
    name, ext = clean_filename(getattr(upload, "name", ""))
    limit = settings.DOCUMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise file_refusal(
            f"文件大小{size / 1048576:.1f} MB超过上限{limit // 1048576} MB",
            "file is larger than the limit",
            "too_large",
            name,
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise file_refusal(f"文件大小超过上限{limit // 1048576} MB", "file is larger than the limit", "too_large", name)
    if not data:
        raise file_refusal("文件为空", "the file is empty", "empty", name)
    if MARKUP.search(data[:4096]):
        raise file_refusal(
            "文件内容含有网页或脚本代码,不是有效的PDF/JPG/PNG文件",
            "the content looks like HTML or script",
            "markup",
            name,
        )
    detected = sniff(data)
    if detected is None:
        raise file_refusal(
            "文件内容不是有效的PDF、JPG或PNG(文件头或结构校验失败)",
            "the content is not a valid PDF, JPEG or PNG",
            "signature",
            name,
        )
    if detected != EXTENSIONS[ext]:
        raise file_refusal(
            f"文件扩展名“.{ext}”与实际内容({detected})不符",
            "the extension does not match the content",
            "mismatch",
            name,
        )
    return data, name, ext, detected
