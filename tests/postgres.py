"""A real PostgreSQL server for the tests, from Debian's `postgresql` package, on a temporary directory and
a free port. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

PASSWORD = "pw-Zq8-never-printed"


def _bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.bin = _bin_dir()
        if self.bin is None:
            if os.environ.get("CI"):
                raise RuntimeError("PostgreSQL is not installed; .ci/run installs Debian's postgresql package")
            pytest.skip("needs PostgreSQL, not installed here (apt-get install postgresql; .ci/run installs it and "
                        "fails without it)")
        self.folder = Path(tempfile.mkdtemp(prefix="pg-test-"))  # not under pytest's 0700 folders
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        self.folder.chmod(0o755)

    @property
    def url(self) -> str:
        return f"postgresql://bot:{PASSWORD}@127.0.0.1:{self.port}/botdb"

    def _run(self, *args: str) -> None:
        subprocess.run(self.as_user + list(args), check=True, capture_output=True, timeout=120)

    def start(self) -> "PostgresServer":
        if not self.data.exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                      "--auth-host=scram-sha-256", "--no-sync")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.folder / "server.log"),
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        return self

    def create_database(self) -> None:
        psql = [str(self.bin / "psql"), "-h", str(self.folder), "-p", str(self.port), "-U", "postgres", "-v",
                "ON_ERROR_STOP=1", "-c"]
        self._run(*psql, f"CREATE ROLE bot LOGIN PASSWORD '{PASSWORD}'")
        self._run(*psql, "CREATE DATABASE botdb OWNER bot")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "immediate", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer().start()
    server.create_database()
    yield server
    server.remove()
