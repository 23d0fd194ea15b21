"""Payout runs (NX-STIPEND monthly, YC-RD annual, grants): the state machine in `services`, the lease that
holds a run while one process computes it in `leases`, the Celery adapters in `tasks`."""
