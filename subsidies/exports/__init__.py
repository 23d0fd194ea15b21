"""Finance exports of approved payout runs (issue 7): the register, payment notices and explanation
appendix as PDF (WeasyPrint), bank transfer files as XLSX and CSV, each recorded with its SHA-256.

`export_to_file(run=, fmt=, out=)` is the command line's entry (export_payouts --format pdf|xlsx|csv)."""


def export_to_file(*, run, fmt: str, out, actor=None) -> str:
    from subsidies.exports.services import export_to_file as _export_to_file

    return _export_to_file(run=run, fmt=fmt, out=out, actor=actor)
