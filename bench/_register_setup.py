"""Shared set-up for the register benchmarks (bench_register_*.py, bench_public_lookup.py).

Not a benchmark itself. Builds a base database once per run (migrated schema, catalogue, the demo's
regions, ~2,000 enterprises and institutions; the demo's own instruments removed so the register is
empty), then hands out fresh copies of it: a copied file for SQLite, ``CREATE DATABASE ... TEMPLATE``
for PostgreSQL. Generates synthetic but valid register rows (same distribution for every benchmark).

Everything lives under /tmp/jiliang-bench (SQLite files, data directories, CSV files). PostgreSQL is
the throwaway cluster started by bench/pg.sh (127.0.0.1:5433 by default; override with
JILIANG_BENCH_PG_URL, a URL to the server's ``postgres`` database).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("JILIANG_BENCH_DIR", "/tmp/jiliang-bench"))
REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("JILIANG_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5433/postgres")
TODAY = dt.date(2026, 11, 27)
BASE_SEED = 7
BASE_ENTERPRISES = 2000
SECRET = "bench-secret-key"


def log(msg: str) -> None:
    load = os.getloadavg()[0]
    print(f"[{time.strftime('%H:%M:%S')} load {load:4.1f}/{os.cpu_count()}] {msg}", flush=True)


# ------------------------------------------------------------------ database selection


def _pg_dsn(db: str) -> str:
    base = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    return base.rsplit("/", 1)[0] + "/" + db


def pg_url(db: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + db


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_pg_dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def ensure_pg() -> None:
    """Start the throwaway cluster (bench/pg.sh) unless a server already answers."""
    import psycopg

    try:
        psycopg.connect(_pg_dsn("postgres"), connect_timeout=3).close()
    except psycopg.OperationalError:
        subprocess.run(["sh", str(REPO / "bench" / "pg.sh"), "start"], check=True)


def configure(url: str, data_dir: Path) -> None:
    """Point the platform at ``url`` (env vars, settings cache, engine)."""
    from jiliang.platform.db import reset_engine
    from jiliang.platform.settings import get_settings

    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["JILIANG_DATA_DIR"] = str(data_dir)
    os.environ["JILIANG_DATABASE_URL"] = url
    os.environ["JILIANG_SECRET_KEY"] = SECRET
    get_settings.cache_clear()
    reset_engine()


@dataclass
class Target:
    kind: str  # sqlite | postgresql
    name: str
    url: str
    data_dir: Path
    path: Path | None = None  # SQLite file


#: prefix of the PostgreSQL database names, so that two runs at the same time do not collide
PG_PREFIX = os.environ.get("JILIANG_BENCH_PG_PREFIX", "jl_bench")


def _pg_name(name: str) -> str:
    return PG_PREFIX + name.removeprefix("jl_bench")


def _base_name(kind: str) -> str:
    return _pg_name(f"jl_bench_base_{kind}")


def build_base(kind: str) -> None:
    """Migrated schema + catalogue + demo regions/organisations/users; no instruments."""
    from sqlalchemy import text

    from jiliang.demo import build
    from jiliang.migrations import upgrade
    from jiliang.platform.db import get_engine, reset_engine

    name = _base_name(kind)
    started = time.perf_counter()
    if kind == "sqlite":
        d = ROOT / name
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        url = f"sqlite:///{d / 'jiliang.db'}"
    else:
        ensure_pg()
        pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {name}")
        url = pg_url(name)
        d = ROOT / name
    configure(url, d)
    upgrade()
    build(seed=BASE_SEED, enterprises=BASE_ENTERPRISES, instruments=BASE_ENTERPRISES, today=TODAY)
    with get_engine().begin() as conn:
        for table in ("recall_notices", "verification_events", "instruments"):
            conn.execute(text(f"DELETE FROM {table}"))
    refresh_tallies()  # the dashboard's maintained counts (if this version has them) now match the empty register
    if kind == "sqlite":
        with get_engine().connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with get_engine().connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
    reset_engine()
    log(f"base {kind} database built in {time.perf_counter() - started:.1f} s")


def fresh(kind: str, name: str) -> Target:
    """A fresh copy of the base database, configured as the platform's database."""
    from jiliang.platform.db import reset_engine

    reset_engine()
    d = ROOT / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    if kind == "sqlite":
        src = ROOT / _base_name(kind) / "jiliang.db"
        path = d / "jiliang.db"
        shutil.copyfile(src, path)
        url = f"sqlite:///{path}"
        configure(url, d)
        return Target(kind, name, url, d, path)
    db = _pg_name(name)
    pg_admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    pg_admin(f"CREATE DATABASE {db} TEMPLATE {_base_name(kind)}")
    url = pg_url(db)
    configure(url, d)
    return Target(kind, db, url, d)


def drop(target: Target) -> None:
    from jiliang.platform.db import reset_engine

    reset_engine()
    if target.kind == "postgresql":
        db = target.name if target.name.startswith(PG_PREFIX) else _pg_name(target.name)
        pg_admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    shutil.rmtree(target.data_dir, ignore_errors=True)


# ------------------------------------------------------------------ synthetic register rows


@dataclass
class Reference:
    owners: list[tuple[int, str, str]]  # (id, credit code, region)
    owner_weights: list[float]
    items: list[Any]  # CatalogueItem
    item_weights: list[float]
    rules: dict[str, Any]


def reference() -> Reference:
    """Enterprises and catalogue items of the configured database."""
    from sqlalchemy import select

    from jiliang.instruments.models import CatalogueItem
    from jiliang.instruments.service import rule_of
    from jiliang.organisations.models import Organisation
    from jiliang.platform.db import read_session

    with read_session() as s:
        owners = [
            (r.id, r.credit_code, r.region_code)
            for r in s.execute(
                select(Organisation.id, Organisation.credit_code, Organisation.region_code)
                .where(Organisation.kind == "enterprise")
                .order_by(Organisation.id)
            )
        ]
        items = [
            i
            for i in s.scalars(select(CatalogueItem).order_by(CatalogueItem.code))
            if i.verification_form not in (None, "none")
        ]
    rng = random.Random(11)
    # a few large owners (utilities, markets) and many small ones
    owner_weights = [min(rng.paretovariate(1.2), 25.0) for _ in owners]
    # items with a known period are the bulk of the register (scales, fuel dispensers, meters)
    item_weights = [3.0 if (i.period_months or i.service_life_months) else 1.0 for i in items]
    return Reference(owners, owner_weights, items, item_weights, {i.code: rule_of(i) for i in items})


MAKERS = (
    "上海大和衡器",
    "宁波柯力",
    "正星科技",
    "托肯恒山",
    "鱼跃医疗",
    "欧姆龙",
    "宁波水表",
    "威胜集团",
    "金卡智能",
    "布莱迪仪器",
    "汉威科技",
    "杭州爱华",
    "红旗仪表",
)


def generate_rows(
    ref: Reference, n: int, *, seed: int = 2026, today: dt.date = TODAY
) -> list[dict[str, Any]]:
    """``n`` valid register rows (the typed values the importer stores), deterministic from ``seed``.

    Owners follow a heavy-tailed size distribution over the demo's enterprises (26 Zhejiang and
    4 Jiangsu counties); items are the catalogue items with a verification form (24 items).
    Due dates: about 8 % overdue (up to 2 years), the rest spread over the next period
    (6 months to 5 years); items with an unknown period have no due date.
    """
    from jiliang.core.codes import make_instrument_code
    from jiliang.core.duedates import add_months
    from jiliang.instruments.service import due_for

    rng = random.Random(seed)
    owners = rng.choices(ref.owners, weights=ref.owner_weights, k=n)
    items = rng.choices(ref.items, weights=ref.item_weights, k=n)
    seq: dict[tuple[str, str], int] = {}
    rows: list[dict[str, Any]] = []
    uses = ("trade_settlement", "safety_protection", "medical_health", "environmental_monitoring")
    for i in range(n):
        owner_id, _credit, region = owners[i]
        item = items[i]
        rule = ref.rules[item.code]
        months = rule.period_months if rule.verification_form == "periodic" else rule.service_life_months
        if months:
            if rng.random() < 0.08:
                due = today - dt.timedelta(days=rng.randint(1, 730))
            else:
                due = today + dt.timedelta(days=rng.randint(0, min(months * 30, 3 * 365)))
            base = add_months(due, -months)
            if rule.verification_form == "periodic":
                last = base
                first = last - dt.timedelta(days=rng.choice((0, rng.randint(0, 6 * 365))))
            else:
                first = last = base
        else:
            last = today - dt.timedelta(days=rng.randint(0, 3 * 365))
            first = last - dt.timedelta(days=rng.choice((0, rng.randint(0, 6 * 365))))
        key = (region, item.code)
        seq[key] = seq.get(key, 0) + 1
        r = rng.random()
        status = "suspended" if r < 0.03 else "scrapped" if r < 0.05 else "in_use"
        rows.append(
            {
                "code": make_instrument_code(region, item.code, seq[key]),
                "catalogue_code": item.code,
                "owner_id": owner_id,
                "region_code": region,
                "maker": MAKERS[i % len(MAKERS)],
                "model": f"M{rng.randint(10, 999)}",
                "serial_number": f"SN{i:09d}",
                "measuring_range": "",
                "accuracy_class": "",
                "location": "",
                "use": item.uses[0] if item.uses else uses[i % 4],
                "status": status,
                "first_verified_on": first,
                "last_verified_on": last,
                "last_result": "fail" if status == "suspended" else "pass",
                "next_due_on": due_for(rule, first, last),
            }
        )
    return rows


CSV_HEADER = (
    "code",
    "catalogue_code",
    "owner_credit_code",
    "maker",
    "model",
    "serial_number",
    "measuring_range",
    "accuracy_class",
    "location",
    "use",
    "status",
    "first_verified_on",
    "last_verified_on",
    "last_result",
)


def to_csv(ref: Reference, rows: list[dict[str, Any]]) -> bytes:
    """The import file for ``rows`` (UTF-8, English header keys)."""
    import csv
    import io

    credit = {o[0]: o[1] for o in ref.owners}
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(CSV_HEADER)
    for r in rows:
        w.writerow(
            (
                r["code"],
                r["catalogue_code"],
                credit[r["owner_id"]],
                r["maker"],
                r["model"],
                r["serial_number"],
                "",
                "",
                "",
                r["use"],
                r["status"],
                r["first_verified_on"].isoformat(),
                r["last_verified_on"].isoformat(),
                r["last_result"] or "",
            )
        )
    return buf.getvalue().encode("utf-8")


# ------------------------------------------------------------------ fast population (queries, lookup)

INSTRUMENT_COLS = (
    "code",
    "catalogue_code",
    "owner_id",
    "region_code",
    "maker",
    "model",
    "serial_number",
    "measuring_range",
    "accuracy_class",
    "location",
    "use",
    "status",
    "first_verified_on",
    "last_verified_on",
    "last_result",
    "next_due_on",
    "created_at",
    "updated_at",
)
EVENT_COLS = (
    "instrument_id",
    "owner_id",
    "region_code",
    "verified_on",
    "institution_id",
    "result",
    "certificate_no",
    "next_due_on",
)


def refresh_tallies() -> float | None:
    """Recompute the dashboard's maintained counts (``jiliang.instruments.tallies``, when this version of
    the platform has them) after a load that bypassed the services. Returns seconds, or None."""
    try:
        from jiliang.instruments import tallies
    except ImportError:
        return None
    from jiliang.platform.db import write_session

    started = time.perf_counter()
    with write_session() as s:
        tallies.rebuild(s, TODAY)
    return time.perf_counter() - started


def populate(target: Target, rows: list[dict[str, Any]]) -> float:
    """Bulk-load instruments and one verification event each (their last verification), bypassing the
    platform: sqlite3 executemany in one transaction / PostgreSQL COPY. Returns seconds."""
    started = time.perf_counter()
    now = dt.datetime(2026, 11, 27, 8, 0, 0)
    inst = [tuple(r[c] for c in INSTRUMENT_COLS[:-2]) + (now, now) for r in rows]
    if target.kind == "sqlite":
        assert target.path is not None
        from jiliang.platform.db import reset_engine

        reset_engine()
        con = sqlite3.connect(target.path, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("BEGIN")
        con.executemany(
            f"INSERT INTO instruments ({', '.join(INSTRUMENT_COLS)}) VALUES ({', '.join('?' * len(INSTRUMENT_COLS))})",
            [
                tuple(
                    v.isoformat(" ")
                    if isinstance(v, dt.datetime)
                    else v.isoformat()
                    if isinstance(v, dt.date)
                    else v
                    for v in t
                )
                for t in inst
            ],
        )
        con.execute(
            "INSERT INTO verification_events (instrument_id, owner_id, region_code, verified_on, institution_id, "
            "result, certificate_no, next_due_on) SELECT id, owner_id, region_code, last_verified_on, NULL, "
            "COALESCE(last_result, 'pass'), 'B' || id, next_due_on FROM instruments"
        )
        con.execute("COMMIT")
        con.execute("ANALYZE")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
    else:
        import psycopg

        with psycopg.connect(_pg_dsn(target.name)) as conn:
            with conn.cursor() as cur:
                with cur.copy(f"COPY instruments ({', '.join(INSTRUMENT_COLS)}) FROM STDIN") as copy:
                    for t in inst:
                        copy.write_row(t)
                cur.execute(
                    "INSERT INTO verification_events (instrument_id, owner_id, region_code, verified_on, "
                    "institution_id, result, certificate_no, next_due_on) SELECT id, owner_id, region_code, "
                    "last_verified_on, NULL, COALESCE(last_result, 'pass'), 'B' || id, next_due_on FROM instruments"
                )
            conn.commit()
        with psycopg.connect(_pg_dsn(target.name), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started
