"""Benchmark: regulator dashboard and overdue list at 10^4, 10^5 and 10^6 instruments.

For each size a fresh copy of the base schema (catalogue, regions, ~2,000 demo enterprises over
26 Zhejiang + 4 Jiangsu counties) is bulk-loaded directly (sqlite3 executemany / PostgreSQL COPY,
bypassing the platform) with the first N rows of one generated register (24 catalogue items with a
verification form, heavy-tailed owner sizes, due dates spread over the next period with ~8 %
overdue) and one verification event per instrument. Then, as a regulator principal:
  * ``dashboard.build`` for the province (330000) and for one county (the biggest one);
  * the first page (50 rows) of the overdue list, ``list_instruments(filters=InstrumentFilter(
    overdue=True))``, for the province and the county (includes its total count).
Printed: the median of ``--repeat`` warm runs per size, the ratio t(10^6)/t(10^4) (target <= 3),
and the query plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL) of the SQL each
operation issued at the largest size.

``--what-if`` (on by default) also times the design proposed in bench/README.md: a snapshot table of
the dashboard's counts per (region, item, use) as of today (rebuilt nightly, adjusted by writes in
their own transaction) and verification counts per (region, month), read instead of the register;
then two extra indexes (a covering one for the grouped pass, one led by (status, next_due_on) for the
overdue range) with the unchanged code, and the overdue page with its total taken from the snapshot.

Run:  .venv/bin/python bench/bench_register_queries.py [--sizes 10000,100000,1000000]
      [--db sqlite|postgresql|both] [--repeat 7]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _register_setup as rs  # noqa: E402

PROVINCE = "330000"


def _principal(region: str) -> Any:
    from jiliang.platform.access import Principal

    return Principal(user_id=None, username=f"bench_{region}", role="regulator", region_code=region)


try:  # the platform's maintained dashboard counts, when this version has them
    import jiliang.instruments.tallies  # noqa: F401

    TALLIES = True
except ImportError:
    TALLIES = False


def operations(county: str) -> dict[str, Callable[[], Any]]:
    from jiliang.instruments import dashboard
    from jiliang.instruments.service import InstrumentFilter, list_instruments

    prov, cty = _principal(PROVINCE), _principal(county)
    overdue = InstrumentFilter(overdue=True)
    ops: dict[str, Callable[[], Any]] = {}
    if TALLIES:
        # a date other than the tallies' date makes build() count the register itself (the pre-tallies path)
        other = rs.TODAY + dt.timedelta(days=1)
        ops[f"dashboard scan {PROVINCE}"] = lambda: dashboard.build(principal=prov, today=other)
        ops[f"dashboard scan {county}"] = lambda: dashboard.build(principal=cty, today=other)
    return ops | {
        f"dashboard {PROVINCE}": lambda: dashboard.build(principal=prov, today=rs.TODAY),
        f"dashboard {county}": lambda: dashboard.build(principal=cty, today=rs.TODAY),
        f"overdue p1 {PROVINCE}": lambda: list_instruments(
            principal=prov, filters=overdue, limit=50, today=rs.TODAY
        ),
        f"overdue p1 {county}": lambda: list_instruments(
            principal=cty, filters=overdue, limit=50, today=rs.TODAY
        ),
    }


def capture(fn: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The SQL statements (with parameters) that ``fn`` sends."""
    from sqlalchemy import event

    from jiliang.platform.db import get_engine

    seen: list[tuple[str, Any]] = []

    def hook(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", hook)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    return seen


def explain(kind: str, statement: str, parameters: Any) -> str:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        if kind == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return "\n".join(f"    {'  ' * 0}{r[3]}" for r in rows)
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters).all()
        return "\n".join(f"    {r[0]}" for r in rows)


def timed(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up (page cache, statement cache)
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


# ------------------------------------------------------------------ what-if: a daily snapshot table

SNAPSHOT_COLS = ("total", "in_use", "overdue", "due30", "due_year", "suspended", "scrapped", "no_due_date")


def build_snapshot(kind: str) -> tuple[int, float]:
    """The proposed dashboard snapshot: one row per (region, item, use) with the dashboard's counts as
    of today, and one row per (region, month) of verification counts. Returns (rows, seconds to build):
    the build is the nightly refresh; writes in between would adjust the counts in their transaction."""
    from jiliang.platform.db import get_engine

    today = rs.TODAY
    due30, year = today + dt.timedelta(days=30), today + dt.timedelta(days=365)
    month = (
        "substr(CAST(verified_on AS TEXT), 1, 7)" if kind == "sqlite" else "to_char(verified_on, 'YYYY-MM')"
    )
    t0 = time.perf_counter()
    with get_engine().begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_dashboard_snapshot")
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_trend_snapshot")
        conn.exec_driver_sql(
            "CREATE TABLE bench_dashboard_snapshot (region_code VARCHAR(6) NOT NULL, catalogue_code VARCHAR(8) "
            "NOT NULL, use VARCHAR(30) NOT NULL, "
            + ", ".join(f"{c} INTEGER NOT NULL" for c in SNAPSHOT_COLS)
            + ", PRIMARY KEY (region_code, catalogue_code, use))"
        )
        conn.exec_driver_sql(
            "CREATE TABLE bench_trend_snapshot (region_code VARCHAR(6) NOT NULL, month VARCHAR(7) NOT NULL, "
            "n INTEGER NOT NULL, failed INTEGER NOT NULL, PRIMARY KEY (region_code, month))"
        )
        p = {"today": today.isoformat(), "due30": due30.isoformat(), "year": year.isoformat()}
        if kind != "sqlite":
            p = {"today": today, "due30": due30, "year": year}  # type: ignore[dict-item]

        def ph(k: str) -> str:
            return "?" if kind == "sqlite" else f"%({k})s"

        sql = (
            "INSERT INTO bench_dashboard_snapshot SELECT region_code, catalogue_code, use, count(*), "
            "sum(CASE WHEN status = 'in_use' THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN status = 'in_use' AND next_due_on < {ph('today')} THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN status = 'in_use' AND next_due_on >= {ph('today')} AND next_due_on <= {ph('due30')} "
            "THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN status = 'in_use' AND next_due_on <= {ph('year')} THEN 1 ELSE 0 END), "
            "sum(CASE WHEN status = 'suspended' THEN 1 ELSE 0 END), sum(CASE WHEN status = 'scrapped' THEN 1 ELSE 0 END), "
            "sum(CASE WHEN status = 'in_use' AND next_due_on IS NULL THEN 1 ELSE 0 END) "
            "FROM instruments GROUP BY region_code, catalogue_code, use"
        )
        args: Any = (p["today"], p["today"], p["due30"], p["year"]) if kind == "sqlite" else p
        conn.exec_driver_sql(sql, args)
        conn.exec_driver_sql(
            f"INSERT INTO bench_trend_snapshot SELECT region_code, {month}, count(*), "
            "sum(CASE WHEN result = 'fail' THEN 1 ELSE 0 END) FROM verification_events GROUP BY 1, 2"
        )
        n = conn.exec_driver_sql("SELECT count(*) FROM bench_dashboard_snapshot").scalar_one()
    seconds = time.perf_counter() - t0
    with get_engine().connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return int(n), seconds


def snapshot_dashboard(region: str) -> Callable[[], Any]:
    """The dashboard's two register queries answered from the snapshot tables."""
    from sqlalchemy import text

    from jiliang.core.codes import region_range
    from jiliang.platform.db import read_session

    low, high = region_range(region)
    first_month = (rs.TODAY - dt.timedelta(days=365)).strftime("%Y-%m")
    grouped = text(
        "SELECT region_code, catalogue_code, use, "
        + ", ".join(SNAPSHOT_COLS)
        + " FROM bench_dashboard_snapshot WHERE region_code BETWEEN :low AND :high"
    )
    trend = text(
        "SELECT month, sum(n), sum(failed) FROM bench_trend_snapshot "
        "WHERE region_code BETWEEN :low AND :high AND month >= :first GROUP BY month"
    )

    def run() -> Any:
        with read_session() as s:
            rows = s.execute(grouped, {"low": low, "high": high}).all()
            months = s.execute(trend, {"low": low, "high": high, "first": first_month}).all()
        return len(rows), len(months)

    return run


WHAT_IF_INDEXES = (
    # covering the dashboard's grouped pass: index-only, already in GROUP BY order
    "CREATE INDEX bench_ix_cover ON instruments (region_code, catalogue_code, use, status, next_due_on)",
    # overdue = status 'in_use' AND next_due_on < today: a range over the overdue entries only
    "CREATE INDEX bench_ix_overdue ON instruments (status, next_due_on, region_code)",
)


def overdue_page_snapshot_count(region: str) -> Callable[[], Any]:
    """The overdue list's first page, with the total taken from the snapshot instead of count(*)."""
    from sqlalchemy import text

    from jiliang.core.codes import region_range
    from jiliang.instruments.models import Instrument
    from jiliang.instruments.service import InstrumentFilter, _filtered
    from jiliang.platform.db import read_session

    low, high = region_range(region)
    stmt = (
        _filtered(_principal(region), InstrumentFilter(overdue=True), rs.TODAY)
        .order_by(Instrument.next_due_on, Instrument.id)
        .limit(50)
    )
    total = text("SELECT sum(overdue) FROM bench_dashboard_snapshot WHERE region_code BETWEEN :low AND :high")

    def run() -> Any:
        with read_session() as s:
            n = s.execute(total, {"low": low, "high": high}).scalar()
            rows = s.scalars(stmt).all()
        return n, len(rows)

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--no-what-if", dest="what_if", action="store_false")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    all_results: dict[str, dict[int, dict[str, float]]] = {}
    for kind in kinds:
        rs.build_base(kind)
        ref_target = rs.fresh(kind, "jl_bench_q_ref")
        ref = rs.reference()
        rs.drop(ref_target)
        rs.log(f"generating {max(sizes):,} rows")
        rows = rs.generate_rows(ref, max(sizes))
        county = collections.Counter(
            r["region_code"] for r in rows if r["region_code"].startswith("33")
        ).most_common(1)[0][0]
        results: dict[int, dict[str, float]] = {}
        plans: list[str] = []
        for size in sizes:
            target = rs.fresh(kind, f"jl_bench_q{size}")
            secs = rs.populate(target, rows[:size])
            rs.log(f"{kind}: loaded {size:,} instruments (+{size:,} verification events) in {secs:.1f} s")
            tally_s = rs.refresh_tallies()
            if tally_s is not None:
                rs.log(f"{kind}: tallies.rebuild over {size:,} instruments took {tally_s:.2f} s")
            ops = operations(county)
            if TALLIES:  # both dashboard paths must count the same register
                a, b = ops[f"dashboard {PROVINCE}"](), ops[f"dashboard scan {PROVINCE}"]()
                assert (a.totals["total"], a.totals["in_use"]) == (b.totals["total"], b.totals["in_use"]), (
                    a.totals,
                    b.totals,
                )
            if args.what_if:
                groups, build_s = build_snapshot(kind)
                ops[f"what-if snapshot {PROVINCE}"] = snapshot_dashboard(PROVINCE)
                ops[f"what-if snapshot {county}"] = snapshot_dashboard(county)
                rs.log(
                    f"{kind}: what-if snapshot has {groups:,} rows for {size:,} instruments "
                    f"(nightly rebuild {build_s:.2f} s)"
                )
            results[size] = {}
            stages = [ops]
            if args.what_if:
                stages.append({})  # filled after the indexes exist
            for stage_no, stage in enumerate(stages):
                if stage_no == 1:
                    from jiliang.platform.db import get_engine

                    t0 = time.perf_counter()
                    with get_engine().begin() as conn:
                        for ddl in WHAT_IF_INDEXES:
                            conn.exec_driver_sql(ddl)
                    with get_engine().connect() as conn:
                        conn.exec_driver_sql("ANALYZE")
                        conn.commit()
                    rs.log(f"{kind}: what-if indexes built in {time.perf_counter() - t0:.1f} s")
                    dash = operations(county)
                    scan = "dashboard scan" if TALLIES else "dashboard"
                    stage[f"what-if idx {scan} {PROVINCE}"] = dash[f"{scan} {PROVINCE}"]
                    stage[f"what-if idx {scan} {county}"] = dash[f"{scan} {county}"]
                    stage[f"what-if idx overdue p1 {PROVINCE}"] = dash[f"overdue p1 {PROVINCE}"]
                    stage[f"what-if idx+snap overdue p1 {PROVINCE}"] = overdue_page_snapshot_count(PROVINCE)
                    stage[f"what-if idx+snap overdue p1 {county}"] = overdue_page_snapshot_count(county)
                for name, fn in stage.items():
                    results[size][name] = timed(fn, args.repeat)
                    rs.log(f"{kind} {size:>9,} {name:<40} {results[size][name] * 1000:9.1f} ms")
                if size == max(sizes):
                    for name, fn in stage.items():
                        plans.append(f"-- {name}")
                        for statement, params in capture(fn):
                            if (
                                "instruments" not in statement
                                and "verification_events" not in statement
                                and "_snapshot" not in statement
                                and "_tallies" not in statement
                            ):
                                continue
                            plans.append("  " + " ".join(statement.split())[:400])
                            plans.append(explain(kind, statement, params))
            rs.drop(target)
        all_results[kind] = results
        print()
        print(f"query plans at {max(sizes):,} instruments ({kind}):")
        print("\n".join(plans))
    print()
    lo, hi = min(sizes), max(sizes)
    for kind, results in all_results.items():
        print(
            f"register queries on {kind}, median of {args.repeat} warm runs (ms); county = {county}; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        head = "".join(f"{s:>11,}" for s in sizes)
        print(f"{'operation':<42}{head}   t({hi:,})/t({lo:,})  target <= 3")
        for name in results[lo]:
            cells = "".join(f"{results[s][name] * 1000:>11.1f}" for s in sizes)
            ratio = results[hi][name] / results[lo][name]
            verdict = "met" if ratio <= 3 else "MISSED"
            if name.startswith("what-if"):
                verdict = "(proposal)"
            print(f"{name:<42}{cells}   {ratio:>10.1f}  {verdict}")
        print()


if __name__ == "__main__":
    main()
