"""The embedded PostgreSQL + PostGIS cluster: a private server under ``var/`` on a Unix socket.

The same code starts the app's cluster and the test suite's throwaway one. As root, ``initdb``
and ``pg_ctl`` refuse to run, so the server runs as the ``postgres`` OS user; its folders must
then be reachable by that user, and when the checkout sits under a folder it cannot enter
(a root-only home, say) the cluster moves to a folder of its own under ``/var/tmp`` and a
pointer file in ``var/`` says where.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ClusterError", "LocalCluster", "find_pg_bin"]

LOGGER = logging.getLogger(__name__)

SERVER_USER = "postgres"
SOCKET_PATH_MAX = 100  # Unix socket paths are limited to 107 bytes, the file name included.


class ClusterError(RuntimeError):
    """The private cluster could not be created, started or reached; the message says why."""


def find_pg_bin(explicit: Path | None = None) -> Path:
    """The folder holding ``initdb``/``pg_ctl``/``postgres``: the newest installed PostgreSQL."""
    if explicit is not None:
        if not (explicit / "pg_ctl").exists():
            raise ClusterError(f"GIS_APP_PG_BIN={explicit} holds no pg_ctl")
        return explicit
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: _version_key(p.parent.name),
        reverse=True,
    )
    for candidate in candidates:
        if (candidate / "pg_ctl").exists() and (candidate / "initdb").exists():
            return candidate
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        bindir = Path(out.stdout.strip())
        if (bindir / "pg_ctl").exists():
            return bindir
    raise ClusterError(
        "PostgreSQL server binaries not found: install postgresql and postgis "
        "(Debian: apt-get install postgresql-15-postgis-3) or set GIS_APP_PG_BIN"
    )


def _version_key(name: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in name.split("."))
    except ValueError:
        return (0,)


@dataclass
class LocalCluster:
    """A PostgreSQL cluster owned by this app: data and socket folders, one port number."""

    base_dir: Path
    """Where the cluster wants to live (``var/``); see :meth:`home` for where it really lives."""
    port: int = 54329
    pg_bin: Path | None = None
    durable: bool = True
    """False for throwaway test clusters: no fsync, which makes them several times faster."""

    def __post_init__(self) -> None:
        self.base_dir = Path(self.base_dir).resolve()

    # -- where things are -------------------------------------------------------------------

    @property
    def _pointer(self) -> Path:
        return self.base_dir / "pg-location"

    def home(self) -> Path:
        """The folder that holds ``pgdata/`` and ``run/``."""
        if self._pointer.is_file():
            return Path(self._pointer.read_text().strip())
        return self.base_dir

    @property
    def data_dir(self) -> Path:
        return self.home() / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.home() / "run"

    @property
    def log_file(self) -> Path:
        return self.home() / "postgresql.log"

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL of a database in this cluster, over the Unix socket."""
        return (
            f"postgresql+psycopg://{SERVER_USER}@/{dbname}?host={self.socket_dir}&port={self.port}"
        )

    def conninfo(self, dbname: str) -> str:
        """libpq connection string (for psycopg and psql)."""
        return f"host={self.socket_dir} port={self.port} user={SERVER_USER} dbname={dbname}"

    # -- state ----------------------------------------------------------------------------------

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def running(self) -> bool:
        if not self.initialised():
            return False
        result = self._pg_ctl("status", check=False)
        return result.returncode == 0

    def status(self) -> dict[str, str]:
        return {
            "data_dir": str(self.data_dir),
            "socket_dir": str(self.socket_dir),
            "port": str(self.port),
            "initialised": "yes" if self.initialised() else "no",
            "running": "yes" if self.running() else "no",
            "log": str(self.log_file),
        }

    # -- actions --------------------------------------------------------------------------------

    def ensure_running(self) -> None:
        """Create the cluster if there is none, start it if it is stopped. Safe to call often."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        with self._lock():
            if not self.initialised():
                self._initdb()
            if not self.running():
                self._start()

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        with self._lock():
            if not self.running():
                return False
            self._pg_ctl("stop", "-m", "fast", "-w")
            return True

    def ensure_database(self, dbname: str, *, template: str | None = None) -> bool:
        """Create ``dbname`` with PostGIS if it does not exist; True when it was created."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)
            ).fetchone()
            if exists:
                return False
            statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
            if template:
                statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(dbname), sql.Identifier(template)
                )
            conn.execute(statement)
        if not template:
            with psycopg.connect(self.conninfo(dbname), autocommit=True) as conn:
                try:
                    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                except psycopg.errors.FeatureNotSupported as exc:
                    raise ClusterError(
                        "PostGIS is not installed for this PostgreSQL "
                        "(Debian: apt-get install postgresql-15-postgis-3)"
                    ) from exc
                except psycopg.errors.UndefinedFile as exc:
                    raise ClusterError(
                        "PostGIS is not installed for this PostgreSQL "
                        "(Debian: apt-get install postgresql-15-postgis-3)"
                    ) from exc
        return True

    def drop_database(self, dbname: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
            )

    def destroy(self) -> None:
        """Stop the server and delete its files (the test suite's throwaway clusters)."""
        if self.initialised() and self.running():
            self._pg_ctl("stop", "-m", "immediate", "-w", check=False)
        home = self.home()
        shutil.rmtree(home / "pgdata", ignore_errors=True)
        shutil.rmtree(home / "run", ignore_errors=True)
        if home != self.base_dir:
            shutil.rmtree(home, ignore_errors=True)
            self._pointer.unlink(missing_ok=True)

    # -- internals ------------------------------------------------------------------------------

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise cluster start-up between processes (the web app and a CLI command)."""
        lock_path = self.base_dir / "cluster.lock"
        with open(lock_path, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _run_as_server(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
        command = ["runuser", "-u", SERVER_USER, "--", *args] if self._as_root() else args
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise ClusterError(
                f"{Path(args[0]).name} failed: {detail[-1] if detail else result.returncode}"
                f" (log: {self.log_file})"
            )
        return result

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        pg_ctl = str(find_pg_bin(self.pg_bin) / "pg_ctl")
        return self._run_as_server([pg_ctl, "-D", str(self.data_dir), *args], check=check)

    def _choose_home(self) -> Path:
        """``base_dir`` if the server user can reach it and the socket path fits, else /var/tmp."""
        socket_name_len = len(f"/run/.s.PGSQL.{self.port}")
        fits = len(str(self.base_dir)) + socket_name_len <= SOCKET_PATH_MAX
        if fits and (not self._as_root() or self._server_can_enter(self.base_dir)):
            return self.base_dir
        digest = hashlib.sha256(str(self.base_dir.resolve()).encode()).hexdigest()[:12]
        home = Path("/var/tmp") / f"gis-app-{digest}"
        LOGGER.info("cluster placed in %s (the server user cannot use %s)", home, self.base_dir)
        return home

    def _server_can_enter(self, path: Path) -> bool:
        result = subprocess.run(
            ["runuser", "-u", SERVER_USER, "--", "test", "-x", str(path), "-a", "-r", str(path)],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def _initdb(self) -> None:
        home = self._choose_home()
        if home != self.base_dir:
            home.mkdir(parents=True, exist_ok=True, mode=0o755)
            self._pointer.write_text(str(home) + "\n")
        else:
            self._pointer.unlink(missing_ok=True)
        data_dir, socket_dir = home / "pgdata", home / "run"
        data_dir.mkdir(parents=True, exist_ok=True)
        socket_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o700)
        if self._as_root():
            uid, gid = pwd.getpwnam(SERVER_USER).pw_uid, pwd.getpwnam(SERVER_USER).pw_gid
            for path in (data_dir, socket_dir):
                os.chown(path, uid, gid)
        initdb = str(find_pg_bin(self.pg_bin) / "initdb")
        self._run_as_server(
            [
                initdb,
                "-D",
                str(data_dir),
                "-U",
                SERVER_USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )

    def _start(self) -> None:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self._as_root():
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(self.socket_dir, entry.pw_uid, entry.pw_gid)
            if not self.log_file.exists():
                self.log_file.touch()
            os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=''"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log_file), "-o", options)
