"""Database and broker URLs from the environment, with one clear line when they are wrong.

With DATABASE_URL unset, an embedded PostgreSQL (the ``pgserver`` package) is started with its
data under ``.data/pg``; it keeps running for the next process (cleanup_mode=None), and
``make stop`` or ``python -m enclave_portal.db stop`` shuts it down.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / ".data" / "pg"


class ConfigError(SystemExit):
    """Stops the process with one line that says what to set."""

    def __init__(self, message: str):
        super().__init__(f"配置错误 / configuration error: {message}")


def parse_database_url(url: str) -> dict:
    """postgresql://user:pass@host:port/db or postgresql://user:@/db?host=/socket/dir"""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ConfigError(f"DATABASE_URL must start with postgresql:// (got {parts.scheme or 'nothing'!r})")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ConfigError("DATABASE_URL names no database: set it like postgresql://user:pass@host:5432/dbname")
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or ""])[0]
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL has a bad port: {exc}") from exc
    options = {k: v[0] for k, v in query.items() if k not in ("host", "port")}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(host),
        "PORT": str(port or query.get("port", [""])[0]),
        "OPTIONS": options,
    }


def embedded_database_url() -> str:
    """Start (or reuse) the embedded PostgreSQL under .data/pg and return its URL."""
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    run_dir = BASE_DIR / ".data" / "run"
    run_dir.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run_dir))  # pgserver's lock file lives here
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - only without the venv
        raise ConfigError("DATABASE_URL is unset and the pgserver package is missing: run `make run`") from exc
    server = pgserver.get_server(PGDATA, cleanup_mode=None)
    uri = server.get_uri()
    # the portal's own database, not the server's maintenance one
    if "enclave" not in server.psql("SELECT datname FROM pg_database;"):
        server.psql("CREATE DATABASE enclave;")
    return uri.replace("/postgres?", "/enclave?") if "/postgres?" in uri else uri.rsplit("/", 1)[0] + "/enclave"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or embedded_database_url()


def stop_embedded() -> None:
    pid_file = PGDATA / "postmaster.pid"
    if pid_file.exists():
        import signal

        pid = int(pid_file.read_text().split()[0])
        try:
            os.kill(pid, signal.SIGINT)
            print(f"stopped embedded PostgreSQL (pid {pid})")
        except ProcessLookupError:
            pass


if __name__ == "__main__":  # python -m enclave_portal.db url|stop
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "stop":
        stop_embedded()
    else:
        print(database_url())
