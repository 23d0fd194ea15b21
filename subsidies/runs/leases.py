"""Whether a computing run is still being computed: PostgreSQL advisory locks, which the server releases
when the holding process dies (kill -9 included), plus the holder recorded on the run for the message.

- The command line holds a session-level lock on the run (`RUN_NS`, run id) on a connection of its own,
  taken before the run is marked computing and released after it is finalised.
- Every chunk transaction (command-line process or Celery task) holds a shared transaction-level lock
  (`CHUNK_NS`, run id) while it computes.
- A run dispatched to Celery has no process holding it between chunks: its `heartbeat_at` (dispatch, each
  chunk done) counts as alive for PAYOUT_LEASE_SECONDS, the time queued chunks may wait for a worker.

A run computing with none of these is interrupted (中断): its computation died, and continuing it computes
the chunks not done. Exactly once does not rest on this: chunks compute under their row locks and the
unique constraints refuse a second payment; the lease only keeps two computations from both going on."""

import contextlib
import datetime as dt
import os
import socket

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.errors import ConflictError

RUN_NS = 0x5EED0001  # pg_advisory_lock(RUN_NS, run_id): held by the command line computing the run
CHUNK_NS = 0x5EED0002  # pg_advisory_xact_lock_shared(CHUNK_NS, run_id): held by each chunk computing
CELERY = "celery"


def this_process() -> str:
    return f"run_payouts pid {os.getpid()} @ {socket.gethostname()}"


def hold_chunk(run_id: int) -> None:
    """In a chunk's transaction: this run is being computed, until the transaction ends (or the process dies)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [CHUNK_NS, run_id])


def lock_holders(run_id: int) -> list[dict]:
    """Other database sessions holding the run's lease or computing one of its chunks right now."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT l.classid::bigint, l.pid, a.backend_start, a.client_addr::text, a.application_name
                 FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.objid = %s
                  AND l.classid IN (%s, %s) AND l.pid <> pg_backend_pid() AND l.pid <> %s
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                ORDER BY l.classid, l.pid""",
            [run_id, RUN_NS, CHUNK_NS, _current.pid if _current is not None else 0],
        )
        return [
            {"lease": ns == RUN_NS, "pid": pid, "since": since, "addr": addr or "local", "app": app}
            for ns, pid, since, addr, app in cur.fetchall()
        ]


def _heartbeat_fresh(run, now: dt.datetime) -> bool:
    grace = dt.timedelta(seconds=settings.PAYOUT_LEASE_SECONDS)
    return run.holder == CELERY and run.heartbeat_at is not None and now - run.heartbeat_at < grace


def refusal(run) -> ConflictError | None:
    """Why the run cannot be taken over now — it is really computing elsewhere — or None if it is not."""
    holders = lock_holders(run.pk)
    now = timezone.now()
    if not holders and not _heartbeat_fresh(run, now):
        return None
    since = run.holder_since
    who = run.holder or "?"
    if holders and (not run.holder or run.holder == CELERY and holders[0]["lease"]):
        first = holders[0]
        who, since = f"PostgreSQL pid {first['pid']} ({first['addr']})", first["since"]
    at = timezone.localtime(since).strftime("%Y-%m-%d %H:%M:%S") if since else "?"
    if holders:
        detail = "、".join(f"pid {h['pid']}" for h in holders)
        zh = f"批次#{run.pk}正由{who}计算(自{at}起,数据库会话 {detail} 仍持有),请等待其完成"
        en = f"run #{run.pk} is being computed by {who} since {at} (database sessions {detail}); wait for it to finish"
    else:
        beat = timezone.localtime(run.heartbeat_at).strftime("%H:%M:%S")
        zh = f"批次#{run.pk}正由{who}计算(自{at}起,最近进度 {beat}),{settings.PAYOUT_LEASE_SECONDS}秒无进度后方可继续"
        en = (
            f"run #{run.pk} is being computed on {who} since {at} (last progress {beat}); it can be continued "
            f"after {settings.PAYOUT_LEASE_SECONDS} s without progress"
        )
    return ConflictError(zh, en, code="run_in_progress")


class RunLease:
    """The command line's hold on a run: a session-level advisory lock on a connection of its own, so that
    closing the default connection before forking the chunk processes does not release it. Forked
    children never reach its session (`accounts.forking` points their copy of its socket at /dev/null)."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.holder = this_process()
        self.conn = connection.get_new_connection(connection.get_connection_params())
        self.conn.autocommit = True
        self.pid = self.conn.get_backend_pid()

    def acquire(self) -> bool:
        with self.conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_NS, self.run_id])
            return cur.fetchone()[0]

    def release(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()  # ends the session, and with it the lock


_current: RunLease | None = None


@contextlib.contextmanager
def run_lease(run):
    """Hold the run's lease while computing it here, or refuse with who holds it and since when."""
    global _current
    lease = RunLease(run.pk)
    if not lease.acquire():
        lease.release()
        run.refresh_from_db()
        raise refusal(run) or ConflictError(
            f"批次#{run.pk}正由其他进程计算,请等待其完成",
            f"run #{run.pk} is being computed by another process",
            code="run_in_progress",
        )
    _current = lease
    try:
        yield lease
    finally:
        _current = None
        lease.release()
