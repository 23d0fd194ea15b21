"""YC-RD declarations: a centre's declared and verified R&D spending, the audit report it submits, and the
bureau's verification (POLICY YC-RD). Writes in `services`; the award itself is paid by the annual run."""
