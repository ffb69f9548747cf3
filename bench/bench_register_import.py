"""Benchmark: bulk import of the register (CSV) against a raw bulk insert of the same rows.

For each database (SQLite file, PostgreSQL on loopback):
  * baseline — a fresh copy of the base schema (catalogue, regions, ~2,000 demo enterprises, empty
    register); the already-typed rows (exactly what the importer stores) are inserted with the
    importer's own statement, ``Instrument.__table__.insert()`` executemany in chunks of
    ``importer.CHUNK`` rows, in one write transaction: no parsing, no validation, no duplicate check;
  * jiliang — another fresh copy; ``import_instruments(principal=SYSTEM, data=<CSV bytes>, ...)``
    (decode, parse, validate every row, duplicate and existing-row checks, insert, audit entry).
Printed: rows/s of both, the ratio jiliang/baseline (target >= 0.5), and the importer's phases
(timed from its progress callbacks). ``--profile`` adds a cProfile summary of the importer run.

Run:  .venv/bin/python bench/bench_register_import.py [--rows 1000000] [--db sqlite|postgresql|both]
PostgreSQL: bench/pg.sh start (done automatically if nothing answers on 127.0.0.1:5433).
Generated data lives under /tmp/jiliang-bench.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _register_setup as rs  # noqa: E402


def count_instruments() -> int:
    from sqlalchemy import func, select

    from jiliang.instruments.models import Instrument
    from jiliang.platform.db import read_session

    with read_session() as s:
        return int(s.scalar(select(func.count()).select_from(Instrument)) or 0)


def raw_insert(rows: list[dict[str, Any]]) -> float:
    from jiliang.instruments.importer import CHUNK
    from jiliang.instruments.models import ImportBatch, Instrument
    from jiliang.platform.db import write_session

    table = Instrument.__table__
    # the same rows as the importer stores, pointing at an import batch like the importer's do
    with write_session() as s:
        batch_row = ImportBatch(
            file_name="raw", sha256="0" * 64, rows=len(rows), created=len(rows), unchanged=0, actor="bench"
        )
        s.add(batch_row)
        s.flush()
        batch_id = batch_row.id
    batch = [dict(r, import_batch_id=batch_id) for r in rows]
    gc.collect()
    started = time.perf_counter()
    with write_session() as s:
        for i in range(0, len(batch), CHUNK):
            s.execute(table.insert(), batch[i : i + CHUNK])
    return time.perf_counter() - started


def run_import(data: bytes, profile: bool) -> tuple[float, Any, list[tuple[str, int, float]], str]:
    from jiliang.instruments.importer import import_instruments
    from jiliang.platform.access import SYSTEM

    marks: list[tuple[str, int, float]] = []
    gc.collect()
    prof = cProfile.Profile() if profile else None
    started = time.perf_counter()

    def progress(phase: str, n: int) -> None:
        marks.append((phase, n, time.perf_counter() - started))

    if prof:
        prof.enable()
    result = import_instruments(
        principal=SYSTEM, data=data, file_name="bench.csv", today=rs.TODAY, progress=progress
    )
    if prof:
        prof.disable()
    elapsed = time.perf_counter() - started
    report = ""
    if prof:
        out = io.StringIO()
        st = pstats.Stats(prof, stream=out)
        st.sort_stats("tottime").print_stats(18)
        st.sort_stats("cumulative").print_stats(25)
        report = out.getvalue()
    return elapsed, result, marks, report


def phases(marks: list[tuple[str, int, float]], total: float) -> str:
    val = [m for m in marks if m[0] == "validate"]
    ins = [m for m in marks if m[0] == "insert"]
    if not ins:
        return ""
    t_val = val[-1][2] if val else 0.0
    parts = [
        f"parse+validate ~{t_val:.1f} s",
        f"existing-row check + batch + first chunk {ins[0][2] - t_val:.1f} s",
    ]
    if len(ins) > 1:
        rate = (ins[-1][1] - ins[0][1]) / (ins[-1][2] - ins[0][2])
        parts.append(f"insert chunks {ins[-1][2] - ins[0][2]:.1f} s ({rate:,.0f} rows/s)")
    parts.append(f"id range + file copy + audit + commit {total - ins[-1][2]:.1f} s")
    return "; ".join(parts)


def driver_insert(target: rs.Target, rows: list[dict[str, Any]]) -> float:
    """What-if: the same rows through the driver's bulk path, without SQLAlchemy's per-row work:
    sqlite3 ``executemany`` of tuples (same pragmas as the platform), PostgreSQL ``COPY``."""
    import datetime as dt
    import sqlite3

    cols = (*rs.INSTRUMENT_COLS, "import_batch_id")
    batch_sql = (
        "INSERT INTO import_batches (file_name, sha256, rows, created, unchanged, actor, at) "
        "VALUES ('driver', '{}', {}, {}, 0, 'bench', '2026-11-27 08:00:00')".format(
            "0" * 64, len(rows), len(rows)
        )
    )
    from jiliang.platform.db import reset_engine

    reset_engine()
    gc.collect()
    started = time.perf_counter()
    now = dt.datetime.now()
    if target.kind == "sqlite":
        assert target.path is not None
        con = sqlite3.connect(target.path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            con.execute(f"PRAGMA {pragma}")
        con.execute("BEGIN IMMEDIATE")
        batch_id = con.execute(batch_sql).lastrowid
        stamp = now.isoformat(" ")
        sql = f"INSERT INTO instruments ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        for i in range(0, len(rows), 20_000):
            con.executemany(
                sql,
                [
                    tuple(v.isoformat() if isinstance(v, dt.date) else v for v in (r[c] for c in cols[:-3]))
                    + (stamp, stamp, batch_id)
                    for r in rows[i : i + 20_000]
                ],
            )
        con.execute("COMMIT")
        con.close()
    else:
        import psycopg

        with psycopg.connect(rs._pg_dsn(target.name)) as conn:
            with conn.cursor() as cur:
                batch_id = cur.execute(batch_sql + " RETURNING id").fetchone()[0]  # type: ignore[index]
                with cur.copy(f"COPY instruments ({', '.join(cols)}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(tuple(r[c] for c in cols[:-3]) + (now, now, batch_id))
            conn.commit()
    return time.perf_counter() - started


def bench(kind: str, n: int, profile: bool, what_if: bool, cache: dict[str, Any]) -> dict[str, Any]:
    rs.build_base(kind)
    target = rs.fresh(kind, "jl_bench_raw")
    ref = rs.reference()
    owners = [o for o in ref.owners]
    if cache.get("owners") != owners:
        rs.log(f"generating {n:,} rows")
        t0 = time.perf_counter()
        rows = rs.generate_rows(ref, n)
        data = rs.to_csv(ref, rows)
        csv_path = rs.ROOT / f"import-{n}.csv"
        csv_path.write_bytes(data)
        cache.update(owners=owners, rows=rows, data=data)
        rs.log(f"generated in {time.perf_counter() - t0:.1f} s: {csv_path} ({len(data) / 1e6:.0f} MB)")
    rows, data = cache["rows"], cache["data"]

    rs.log(f"{kind}: baseline raw executemany of {n:,} rows")
    t_raw = raw_insert(rows)
    assert count_instruments() == n
    rs.drop(target)

    rs.fresh(kind, "jl_bench_import")
    rs.log(f"{kind}: import_instruments of the same {n:,} rows from CSV")
    t_imp, result, marks, report = run_import(data, profile)
    assert result.created == n and count_instruments() == n, result
    rs.log(f"{kind}: importer phases: {phases(marks, t_imp)}")
    if report:
        print(report)
    rs.drop(rs.Target(kind, "jl_bench_import", "", rs.ROOT / "jl_bench_import"))
    out = {"kind": kind, "rows": n, "raw_s": t_raw, "import_s": t_imp, "marks": marks}
    if what_if:
        target = rs.fresh(kind, "jl_bench_driver")
        rs.log(
            f"{kind}: what-if driver bulk path ({'COPY' if kind == 'postgresql' else 'sqlite3 executemany'})"
        )
        out["driver_s"] = driver_insert(target, rows)
        assert count_instruments() == n
        rs.drop(target)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--profile", action="store_true", help="cProfile the importer run")
    ap.add_argument(
        "--no-what-if",
        dest="what_if",
        action="store_false",
        help="skip the informational driver-level bulk insert (COPY / sqlite3 executemany)",
    )
    args = ap.parse_args()
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    cache: dict[str, Any] = {}
    results = [bench(k, args.rows, args.profile, args.what_if, cache) for k in kinds]
    print()
    print(f"register import, {args.rows:,} instruments (CSV {len(cache['data']) / 1e6:.0f} MB)")
    print(f"{'database':<11} {'baseline raw insert':>22} {'jiliang import':>22} {'ratio':>7}  target >= 0.5")
    for r in results:
        raw_rate, imp_rate = r["rows"] / r["raw_s"], r["rows"] / r["import_s"]
        ratio = imp_rate / raw_rate
        print(
            f"{r['kind']:<11} {raw_rate:>12,.0f} rows/s {r['raw_s']:>5.1f}s {imp_rate:>12,.0f} rows/s "
            f"{r['import_s']:>5.1f}s {ratio:>7.2f}  {'met' if ratio >= 0.5 else 'MISSED'}"
        )
    for r in results:
        print(f"{r['kind']:<11} importer phases: {phases(r['marks'], r['import_s'])}")
    for r in results:
        if "driver_s" in r:
            path = "COPY" if r["kind"] == "postgresql" else "sqlite3 executemany of tuples"
            print(
                f"{r['kind']:<11} what-if driver bulk path ({path}): {r['rows'] / r['driver_s']:,.0f} rows/s "
                f"{r['driver_s']:.1f}s = {r['raw_s'] / r['driver_s']:.1f}x the baseline"
            )
    if args.profile:
        print(
            "(--profile: the importer ran under cProfile, so its rate and the ratio above are not comparable)"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine)")


if __name__ == "__main__":
    main()
