#!/usr/bin/env python3
"""The benchmark workload in DuckDB: run duckdb_report.sql on IN.csv, write OUT.csv.

    python3 bench/peers/duckdb_report.py IN.csv OUT.csv [--threads N]

Needs `pip install duckdb` (bench/requirements.txt pins the version measured).
"""
import argparse
import re
from pathlib import Path

import duckdb

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("src", help="activities CSV (or .parquet)")
ap.add_argument("out", help="report CSV to write")
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()

con = duckdb.connect()
con.execute(f"SET threads = {int(a.threads)}")
con.execute("SET VARIABLE src = ?", [a.src])
sql = Path(__file__).with_name("duckdb_report.sql").read_text()
if a.src.endswith(".parquet"):
    # The same query over a Parquet file (bench/run.py's export measurement).
    sql = re.sub(r"read_csv\(getvariable\('src'\).*?\}\)", "read_parquet(getvariable('src'))", sql, flags=re.S)
con.execute(sql)
out = a.out.replace("'", "''")
con.execute(f"COPY (FROM sales_report ORDER BY rep, week_start) TO '{out}' (HEADER)")
