"""The worker side of the register's parallel render: section HTML in, PDF bytes out.

    python -m subsidies.exports.pdf_worker      (started by subsidies.exports.pdf, never by hand)

Deliberately free of Django and of the rest of the portal. The register's sections are rendered in
worker processes started as fresh interpreters that import only this module and WeasyPrint: a forked
worker would inherit (and be measured with) everything the parent holds — Django, the run's lines,
the sections' HTML — and `multiprocessing`'s spawn would re-import the parent's main script. The
protocol on the pipes is pickle, parent to child only: a str (one section's HTML) in, then
("ok", (pdf bytes, pages, peak MB)) or ("error", traceback) out; end of input ends the worker."""

from __future__ import annotations

import pickle
import resource
import sys
import traceback

_WARM_HTML = (
    "<html lang=\"zh-CN\"><body style=\"font-family: 'Noto Sans CJK SC'; font-feature-settings: 'hwid'\">"
    "发放明细表 0123456789 <b>合计</b></body></html>"
)


def render_section(html: str) -> tuple[bytes, int, float]:
    """One section: (PDF bytes, its page count, this process's peak resident memory in MB)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=".").render()
    pages = len(document.pages)
    data = document.write_pdf()
    del document  # the boxes and Pango layouts of every page: free them before the next section
    return data, pages, peak_mb()


def peak_mb() -> float:
    """This interpreter's own peak resident memory. Linux's ru_maxrss carries over the parent's peak
    through fork and exec (the spawning process's footprint, not ours); VmHWM is this address space's."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve(stdin, stdout) -> None:
    # Warm up first (import WeasyPrint, load fontconfig, Pango and the CJK faces) while the parent
    # is still building the sections' HTML.
    render_section(_WARM_HTML)
    while True:
        try:
            html = pickle.load(stdin)
        except EOFError:
            return
        try:
            result = ("ok", render_section(html))
        except Exception:  # noqa: BLE001 - the parent re-raises it with the worker's traceback
            result = ("error", traceback.format_exc())
        pickle.dump(result, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    pipe_in, pipe_out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but results may reach the parent's pipe
    serve(pipe_in, pipe_out)
