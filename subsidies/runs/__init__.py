"""Payout runs (NX-STIPEND monthly, YC-RD annual, grants): the state machine in `services`, the lines each rule gives and their COPY encoding in `lines`, the lease that
holds a run while one process computes it in `leases`, the Celery adapters in `tasks`."""
