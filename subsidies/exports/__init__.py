"""Finance exports of approved payout runs: the register, payment notices and explanation appendix as PDF
(WeasyPrint), bank transfer files as XLSX and CSV, each recorded with its SHA-256. Requests and rendering
in `services` (the command line's entry is services.export_to_file), the PDF engine in `pdf`, the bank
files in `bank`."""
