#!/usr/bin/env python3
"""The generated SQL against a hand-written query, both run in DuckDB on a table.

    python3 bench/sql_duckdb.py DATA.csv --kpi target/release/kpi [--runs 5] [--threads 2]
                                [--json OUT.json]

Loads the perf workload (DATA.csv) once into three DuckDB tables of the same rows
(numbers `DECIMAL(38, 6)`, as `kpi load` types them): `tz` with the event time as
`kpi load` types a hinted time column (`ts TIMESTAMPTZ`), `naive` with the peer's own
type (`ts TIMESTAMP`, bench/peers/duckdb_report.sql), `text` with it as text (no
hint). Then, in paired rounds, runs and fetches:

- `hand_tz`, `hand_naive`: bench/peers/duckdb_report.sql's report (rep x ISO week)
  over the `tz` and the `naive` table;
- `typed_tz`, `typed_naive`: `kpi sql` of bench/sales_report.kpi with
  `column ts: timestamp` over the same tables (the workload's zone is UTC, where a
  zone-less timestamp is the same instant);
- `text`: `kpi sql` of bench/sales_report.kpi as it is, over the `text` table.

Only the queries are timed (inside one DuckDB connection, `--threads` threads): the
load is the same for all. The generated queries must all return the same rows, and
their counts and sums per rep and week must equal the hand-written query's.
Prints a JSON summary (stdout) that bench/run.py reads (target T19).
"""
import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DEFS = ROOT / "bench" / "sales_report.kpi"
HAND = ROOT / "bench" / "peers" / "duckdb_report.sql"
COLUMNS = {"id": "BIGINT", "rep": "VARCHAR", "team": "VARCHAR", "region": "VARCHAR",
           "channel": "VARCHAR", "type": "VARCHAR", "amount": "DECIMAL(38, 6)",
           "duration_s": "DECIMAL(38, 6)"}


def typed_defs(out_dir: Path) -> Path:
    """bench/sales_report.kpi with its event time hinted as a native timestamp."""
    text = DEFS.read_text()
    typed, n = re.subn(r"(\n  time ts\n)", r"\1  column ts: timestamp\n", text, count=1)
    if n != 1:
        sys.exit(f"{DEFS}: no `time ts` line to hint")
    path = out_dir / "sql_sales_report_typed.kpi"
    path.write_text(typed)
    return path


def generated(kpi: str, defs: Path, table: str) -> str:
    return subprocess.run(
        [kpi, "sql", str(defs), "--dialect", "duckdb", "--by", "rep", "--grain", "week",
         "--table", f"activities={table}"],
        check=True, capture_output=True, text=True, cwd=ROOT).stdout


def hand_written(schema: str) -> str:
    """The peer's `sales_report` view as one query over the table in `schema`."""
    sql = HAND.read_text()
    body = sql[sql.index("CREATE OR REPLACE TEMP VIEW sales_report AS") + len("CREATE OR REPLACE TEMP VIEW sales_report AS"):]
    return body.strip().rstrip(";").replace("FROM activities", f"FROM {schema}.activities")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", help="the perf workload's CSV")
    ap.add_argument("--kpi", required=True, help="the kpi binary")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out-dir", default=str(ROOT / "target" / "bench-data" / "out"))
    a = ap.parse_args()
    out_dir = Path(a.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    typed = typed_defs(out_dir)
    queries = {
        "hand_tz": hand_written("tz"),
        "typed_tz": generated(a.kpi, typed, "tz.activities"),
        "hand_naive": hand_written("naive"),
        "typed_naive": generated(a.kpi, typed, "naive.activities"),
        "text": generated(a.kpi, DEFS, "text.activities"),
    }
    for k, q in queries.items():
        (out_dir / f"sql_{k}.sql").write_text(q)

    con = duckdb.connect()
    con.execute(f"SET threads = {int(a.threads)}")
    con.execute("SET TimeZone = 'UTC'")
    t0 = time.perf_counter()
    src = a.data.replace("'", "''")
    for schema, ts in (("tz", "TIMESTAMPTZ"), ("naive", "TIMESTAMP"), ("text", "VARCHAR")):
        cols = {"id": "BIGINT", "ts": ts, **{k: v for k, v in COLUMNS.items() if k != "id"}}
        spec = ", ".join(f"'{c}': '{t}'" for c, t in cols.items())
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(f"CREATE TABLE {schema}.activities AS SELECT * FROM read_csv('{src}', header = true, "
                    f"auto_detect = false, columns = {{{spec}}})")
    load_s = time.perf_counter() - t0

    walls = {k: [] for k in queries}
    results = {}
    for _ in range(a.runs):
        for k, q in queries.items():
            t = time.perf_counter()
            r = con.execute(q)
            rows = r.fetchall()
            walls[k].append(time.perf_counter() - t)
            results[k] = (r.description, rows)

    problems = []
    for k in ("typed_naive", "text"):
        if results[k][1] != results["typed_tz"][1]:
            problems.append(f"the {k} query returns other rows than typed_tz")
    # Counts and sums per rep and week: the generated queries label the week
    # `2024-W05`, the hand-written one gives its Monday.
    def per_key(kind):
        desc, rows = results[kind]
        names = [d[0] for d in desc]
        i = {n: names.index(n) for n in names}
        out = {}
        for row in rows:
            if kind.startswith("hand"):
                iso = row[i["week_start"]].isocalendar()
                week = f"{iso[0]}-W{iso[1]:02}"
            else:
                week = row[i["period"]]
            out[(row[i["rep"]], week)] = tuple(float(row[i[c]] or 0) for c in ("calls", "won_deals", "won_amount"))
        return out
    typed_rows = per_key("typed_tz")
    for h in ("hand_tz", "hand_naive"):
        hand = per_key(h)
        if set(hand) != set(typed_rows):
            problems.append(f"{h} has {len(hand)} rep-weeks, the generated query {len(typed_rows)}")
            continue
        bad = sum(1 for k in hand
                  if any(abs(x - y) > 1e-6 * max(1.0, abs(x)) for x, y in zip(hand[k], typed_rows[k])))
        if bad:
            problems.append(f"{bad} rep-weeks differ between {h} and the generated query")

    summary = {k: {"median_s": statistics.median(w), "min_s": min(w), "max_s": max(w), "walls_s": w}
               for k, w in walls.items()}
    print(json.dumps({"load_s": load_s, "rows": len(results["typed_tz"][1]), "results": summary,
                      "problems": problems, "duckdb": duckdb.__version__,
                      "queries": {k: str(out_dir / f"sql_{k}.sql") for k in queries}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
