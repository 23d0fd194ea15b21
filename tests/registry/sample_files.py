"""Real sample files for preview tests: a multi-page PDF poppler can render, a PNG a browser can decode,
and a file that passes the upload signature check but is not a readable PDF."""

import struct
import zlib


def real_pdf(pages: int = 1, text: str = "Enclave R&D centre", pad: int = 0) -> bytes:
    """A valid PDF with `pages` A4 pages of Helvetica text and a correct xref table. `pad` adds that many
    bytes inside a comment (a bigger upload, for the progress bar), still a valid file."""
    font = 3 + 2 * pages
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{3 + 2 * i} 0 R".encode() for i in range(pages))
        + b"] /Count "
        + str(pages).encode()
        + b" >>",
    ]
    for i in range(pages):
        stream = f"BT /F1 28 Tf 72 720 Td ({text} - page {i + 1}) Tj ET".encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    if pad:
        out += b"%" + b"0" * pad + b"\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_bomb(pages: int = 5, drawing_mb: int = 80) -> bytes:
    """A small PDF (about 200 KB) whose pages share one Flate-compressed content stream of `drawing_mb` MB of
    path-drawing commands: with five pages, about 400 MB for poppler to draw (issue 12's denial of service).
    pdfinfo reads it at once; pdftoppm needs far longer than any preview time limit for the first page."""
    ops = b"0 0 m 595 842 l 595 0 l h S\n" * 4096
    packer = zlib.compressobj(9)
    stream = b"".join(packer.compress(ops) for _ in range(drawing_mb * 1024 * 1024 // len(ops))) + packer.flush()
    content = 3 + pages
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{3 + i} 0 R".encode() for i in range(pages))
        + f"] /Count {pages} >>".encode(),
    ]
    objects += [f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R >>".encode()] * pages
    objects.append(f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def broken_pdf() -> bytes:
    """Starts with %PDF- and ends with %%EOF (so the upload accepts it) but has no readable structure."""
    return b"%PDF-1.7\n" + b"\x13\x37 not really a pdf \xde\xad\xbe\xef\n" * 20 + b"%%EOF\n"


def real_png(width: int = 120, height: int = 80) -> bytes:
    """An RGB PNG: a red band over white, every chunk with its CRC."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + (b"\xb3\x26\x1e" if y < height // 3 else b"\xff\xff\xff") * width for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])
