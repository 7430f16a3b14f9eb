#!/usr/bin/env python3
"""kpi against DuckDB and Polars on the same generated CRM exports.

    python3 bench/run.py [--rows 1000000 10000000] [--runs 5] [--threads 2]
                         [--peers duckdb,polars|none] [--data-dir target/bench-data]
                         [--kpi PATH] [--json FILE] [--scaling | --no-scaling] [--no-check]
                         [--no-passes] [--sql | --no-sql]

For each size: generate the activities CSV (bench/gen_activities.py, cached in the
data dir), build kpi (cargo build --release) unless --kpi is given, read the file once
(page cache), then run kpi, the peers and `cat FILE` (the I/O floor) in turn, paired
(run i of every tool before run i+1), --runs times; wall time and peak RSS of each
whole process. The first run's outputs are compared column by column (kpi vs every
peer); a disagreement or a failing tool makes the exit code non-zero. Prints a
Markdown report (medians, ratios, kpi's throughput, PASS/MISS per target) on stdout,
progress on stderr. Then (by default, on the smallest size) the metrics-scaling
measurement: 10 vs 100 metrics over one source; and (by default) the definitions
check: `kpi check` of a generated 20,000-metric file (benches/compile.rs's); and (by
default, on the largest size) the one-pass measurement: `kpi checks` with 1 vs 10
checks, and the report's metrics alone vs with a journey funnel; and (with DuckDB, on
the largest size) the warehouse SQL: `kpi sql`'s query for the workload against the
hand-written one, run in DuckDB on loaded tables (bench/sql_duckdb.py).

Only the standard library is needed for kpi-only figures (--peers none, or when
duckdb/polars are not installed: `pip install -r bench/requirements.txt`).
Exit codes: 0 ok (targets missed are reported, not failed); 1 a tool failed or the
results disagree; 2 usage, build or set-up problem.
"""
import argparse
import csv
import importlib.util
import json
import math
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.dont_write_bytecode = True  # no __pycache__ in bench/
import gen_activities  # noqa: E402

DEFS = BENCH / "sales_report.kpi"
PEERS = {
    "duckdb": BENCH / "peers" / "duckdb_report.py",
    "polars": BENCH / "peers" / "polars_report.py",
}
INSTALL_HINT = "python3 -m pip install -r bench/requirements.txt   # duckdb==2.0.1, polars==2.1.0"

# The report's columns (kpi's `period` is mapped to `week_start`, the ISO week's Monday).
KEY = ("rep", "week_start")
INT_COLS = {
    "calls", "emails", "meetings", "visits", "opportunities", "won_deals",
    "outbound_touches", "inbound_meetings",
}
REL_TOL = 1e-9

# Targets (the issue): (id, text, rows, kind, peer, factor)
TARGETS = [
    ("T1", "10M rows: kpi wall <= 0.25 x DuckDB (2 threads)", 10_000_000, "wall", "duckdb", 0.25),
    ("T2", "10M rows: kpi wall <= 0.25 x Polars (2 threads)", 10_000_000, "wall", "polars", 0.25),
    ("T3", "10M rows: kpi peak memory <= DuckDB's", 10_000_000, "rss", "duckdb", 1.0),
    ("T4", "1M rows: kpi wall <= 0.25 x DuckDB (2 threads)", 1_000_000, "wall", "duckdb", 0.25),
    ("T5", "10M rows: kpi throughput >= 1 GB/s of CSV", 10_000_000, "gbps", None, 1.0),
]
# The definitions check: `kpi check` of a generated file of CHECK_METRICS metrics.
CHECK_METRICS = 20_000
CHECK_TARGET_S = 0.200
CHECK_TARGET = ("T6", f"`kpi check` of {CHECK_METRICS:,} metrics < {CHECK_TARGET_S * 1000:.0f} ms")
# One pass (issue 16): many checks, and a journey funnel next to the report's metrics,
# read the data once.
PASS_TARGETS = [
    ("T7", "`kpi checks` with 10 checks within 1.2x of one check", "checks_10", "checks_1", 1.2),
    ("T8", "a journey funnel next to the report's metrics within 1.3x of the metrics alone",
     "journey", "metrics", 1.3),
]
# The checks of the one-pass measurement: per rep, every week, warnings only (a
# failing check would make `kpi checks` exit 1). They read the columns the first
# one reads (type, channel), so that 1 vs 10 measures the checks, not more parsing.
PASS_CHECKS = [
    ("calls_low", "calls", "50"), ("emails_low", "emails", "50"), ("meetings_low", "meetings", "10"),
    ("visits_low", "visits", "20"), ("opportunities_low", "opportunities", "5"),
    ("won_low", "won_deals", "1"), ("conversion_low", "conversion_to_meeting", "10%"),
    ("hit_rate_low", "meeting_hit_rate", "20%"), ("outbound_low", "outbound_touches", "80"),
    ("calls_per_day_low", "calls_per_working_day", "10"),
]


# Real exports (issue 17): the report's workload read from other forms of the same rows.
EXPORT_TARGETS = [
    ("T9", "`;` + decimal-comma CSV: throughput >= 80 % of the default CSV's"),
    ("T10", "Parquet (written by DuckDB): kpi wall <= 0.5 x DuckDB reading the same file"),
    ("T11", "Parquet: kpi peak memory below DuckDB's"),
    ("T12", "gzip CSV: kpi wall within 1.3x of `gzip -dc FILE > /dev/null`"),
]


# Richer models (issue 18): the report's workload with its team/region in a lookup, and
# with won_amount as a row expression. (id, text, variant, baseline, factor)
FORECAST_TARGETS = [
    ("T16", "`kpi forecast --by rep` within 1.5x of `kpi eval` of the same metrics by rep and month",
     "forecast", "eval", 1.5),
    ("T17", "`kpi forecast --by rep --backtest 8` within 3x of the same `kpi eval` (one scan more, not 8)",
     "backtest", "eval", 3.0),
]
REPORT_TARGETS = [
    ("T18", "`kpi report --by rep --grain week` of the 1M-row workload under 2x `kpi eval` of the same request",
     "report", "eval", 2.0),
]
# The perf data spans 2023-01-02..2024-12-29: a forecast in its last full month;
# the report is made on the last day of the data (its forecast is the last week's).
FORECAST_TODAY = "2024-11-15"
REPORT_TODAY = "2024-12-29"

# Warehouse SQL (issue 21): the generated query for the workload, run in DuckDB on a
# table, against the hand-written one (bench/sql_duckdb.py).
SQL_TARGETS = [
    ("T19", "typed columns: the generated DuckDB query within 1.2x of the hand-written one on the same table"),
]

MODEL_TARGETS = [
    ("T13", "team/region from a 200-row lookup: kpi wall within 1.15x of the denormalized file",
     "lookup", "denormalized", 1.15),
    ("T14", "the same lookup with validity intervals: within 1.3x of the denormalized file",
     "lookup_valid", "denormalized", 1.3),
    ("T15", "won_amount = sum(qty * unit_price ..): within 1.15x of sum(amount ..) over the same file",
     "row_expr", "plain_column", 1.15),
]


class Failure(Exception):
    """A tool failed or a result disagreed: exit 1."""


class SetupError(Exception):
    """Usage, build or set-up problem: exit 2."""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rel(p) -> str:
    """A path relative to the project root when it is inside it (for printed commands)."""
    p = Path(p).resolve()
    try:
        return str(p.relative_to(ROOT))
    except ValueError:
        return str(p)


# ---------------------------------------------------------------- set-up


def machine_info() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "mem_gib": mem_gib,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def find_kpi(args) -> Path:
    if args.kpi:
        kpi = Path(args.kpi).resolve()
        if not (kpi.is_file() and os.access(kpi, os.X_OK)):
            raise SetupError(f"--kpi {args.kpi}: not an executable file")
        return kpi
    kpi = ROOT / "target" / "release" / "kpi"
    if args.no_build:
        if not kpi.is_file():
            raise SetupError(f"{rel(kpi)} does not exist: run `cargo build --release` or pass --kpi PATH")
        return kpi
    cargo = shutil.which("cargo")
    if cargo is None:
        if kpi.is_file():
            log(f"warning: cargo not found; using the existing {rel(kpi)} as it is")
            return kpi
        raise SetupError("cargo not found and no target/release/kpi: install Rust (rustup) or pass --kpi PATH")
    log("building kpi: cargo build --release --bin kpi ...")
    t0 = time.perf_counter()
    p = subprocess.run([cargo, "build", "--release", "--bin", "kpi"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        tail = "\n".join(p.stdout.splitlines()[-40:])
        raise SetupError(f"cargo build --release failed (exit {p.returncode}):\n{tail}\n"
                         "fix the build, or benchmark an existing binary with --kpi PATH")
    log(f"  built in {time.perf_counter() - t0:.1f} s")
    if not kpi.is_file():
        raise SetupError(f"cargo build succeeded but {rel(kpi)} is missing")
    return kpi


def tool_version(cmd) -> str:
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=30)
        return p.stdout.strip().splitlines()[0] if p.returncode == 0 and p.stdout.strip() else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def peer_versions(peers) -> dict:
    from importlib import metadata
    out = {}
    for name in peers:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "?"
    return out


def select_peers(spec: str) -> list:
    if spec.strip().lower() in ("none", ""):
        return []
    wanted = [p.strip().lower() for p in spec.split(",") if p.strip()]
    unknown = [p for p in wanted if p not in PEERS]
    if unknown:
        raise SetupError(f"--peers: unknown peer(s) {', '.join(unknown)} (known: {', '.join(PEERS)}, or none)")
    have = [p for p in wanted if importlib.util.find_spec(p) is not None]
    missing = [p for p in wanted if p not in have]
    if missing:
        log(f"note: {' and '.join(missing)} not importable by {sys.executable}: "
            "continuing without them (kpi-only figures for those).\n"
            f"      To compare against the peers: {INSTALL_HINT}")
    return have


def data_file(data_dir: Path, rows: int, seed: int) -> Path:
    path = data_dir / f"activities_{rows}_seed{seed}_v{gen_activities.GEN_VERSION}.csv"
    if path.is_file():
        log(f"data: reusing {rel(path)}")
        return path
    log(f"data: generating {rows:,} rows -> {rel(path)} ...")
    t0 = time.perf_counter()
    gen_activities.generate(rows, str(path), seed)
    log(f"  generated {path.stat().st_size / 1e6:,.1f} MB in {time.perf_counter() - t0:.1f} s")
    return path


def warm(path: Path) -> None:
    """Read the file once so that every tool reads it from the page cache."""
    with open(path, "rb", buffering=0) as f:
        while f.read(1 << 24):
            pass


# ---------------------------------------------------------------- running


# The launcher: a small Python process that forks and execs every timed command and
# reports its wall time and peak RSS (os.wait4). It exists because a child's ru_maxrss
# starts at the high-water mark of the process that forked it (Linux carries it over
# exec): forked from this script, every tool would report at least this script's RSS.
# Forked from the launcher, the floor is the launcher's ~6-7 MiB (the `cat` row shows it).
LAUNCHER = r"""
import json, os, sys, time
for line in sys.stdin:
    job = json.loads(line)
    err = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(job["cwd"])
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.dup2(err, 2)
            os.execvp(job["cmd"][0], job["cmd"])
        except BaseException as e:
            os.write(2, f"cannot run {job['cmd'][0]}: {e}\n".encode())
        os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    os.close(err)
    print(json.dumps({"wall": wall, "maxrss_kib": ru.ru_maxrss,
                      "code": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class Launcher:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-S", "-I", "-c", LAUNCHER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, cmd, stderr_path: Path) -> tuple:
        """Run cmd (cwd = project root): (wall s, peak RSS KiB). Raises Failure on a non-zero exit."""
        job = {"cmd": [str(c) for c in cmd], "cwd": str(ROOT), "stderr": str(stderr_path)}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SetupError("the launcher process died")
        r = json.loads(line)
        if r["code"] != 0:
            msg = stderr_path.read_text(errors="replace").strip() or "(it printed nothing on stderr)"
            raise Failure(f"`{display(cmd)}` failed (exit {r['code']}):\n{msg[-4000:]}")
        return r["wall"], r["maxrss_kib"]

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def kpi_cmd(kpi: Path, defs: Path, data: Path, out: Path) -> list:
    return [str(kpi), "eval", rel(defs), "--data", f"activities={rel(data)}",
            "--by", "rep", "--grain", "week", "--format", "csv", "-o", rel(out)]


def tool_commands(kpi: Path, peers, data: Path, out_dir: Path, threads: int, floor: bool) -> dict:
    tag = data.stem
    cmds = {"kpi": (kpi_cmd(kpi, DEFS, data, out_dir / f"kpi_{tag}.csv"), out_dir / f"kpi_{tag}.csv")}
    for p in peers:
        out = out_dir / f"{p}_{tag}.csv"
        cmds[p] = ([sys.executable, rel(PEERS[p]), rel(data), rel(out), "--threads", str(threads)], out)
    if floor:
        cmds["cat"] = (["cat", rel(data)], None)  # stdout goes to /dev/null
    return cmds


def display(cmd) -> str:
    shown = ["python3" if c == sys.executable else c for c in cmd]
    if shown[0] != "python3" and shown[0] != "cat":
        shown[0] = rel(shown[0])
    s = shlex.join(shown)
    return s + " > /dev/null" if shown[0] == "cat" else s


# ---------------------------------------------------------------- comparison


def read_report(path: Path, from_kpi: bool) -> tuple:
    """(columns, {(rep, week_start): row dict}); kpi's `period` becomes `week_start`."""
    with open(path, newline="") as f:
        rd = csv.DictReader(f)
        cols = list(rd.fieldnames or [])
        rows = list(rd)
    if from_kpi:
        if "period" not in cols:
            raise Failure(f"{rel(path)}: kpi output has no `period` column (columns: {cols})")
        cols = ["week_start" if c == "period" else c for c in cols]
        for r in rows:
            p = r.pop("period")
            try:
                y, w = p.split("-W")
                r["week_start"] = date.fromisocalendar(int(y), int(w), 1).isoformat()
            except ValueError:
                r["week_start"] = f"<bad period {p!r}>"
    table = {}
    for r in rows:
        table[(r.get("rep"), r.get("week_start"))] = r
    return cols, table, len(rows)


def same_value(col: str, a: str, b: str) -> bool:
    a, b = (a or "").strip(), (b or "").strip()
    if a in ("", "null") or b in ("", "null"):
        return a in ("", "null") and b in ("", "null")
    if col in KEY:
        return a == b
    if col in INT_COLS:
        try:
            return int(a) == int(b)
        except ValueError:
            return False
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a == b
    if math.isnan(x) or math.isnan(y):
        return False
    return abs(x - y) <= REL_TOL * max(abs(x), abs(y), 1.0)


def compare(kpi_out: Path, peer: str, peer_out: Path) -> list:
    """Differences between kpi's and a peer's report, as messages (empty: they agree)."""
    kcols, k, kn = read_report(kpi_out, from_kpi=True)
    pcols, p, pn = read_report(peer_out, from_kpi=False)
    problems = []
    if kcols != pcols:
        missing = [c for c in kcols if c not in pcols]
        extra = [c for c in pcols if c not in kcols]
        if missing or extra:
            problems.append(f"{peer}: columns differ: only in kpi {missing}, only in {peer} {extra}")
        else:
            log(f"note: {peer} prints the same columns in another order")
    if kn != len(k) or pn != len(p):
        problems.append(f"duplicate (rep, week) rows: kpi {kn - len(k)}, {peer} {pn - len(p)}")
    only_k = sorted(set(k) - set(p))
    only_p = sorted(set(p) - set(k))
    if only_k:
        problems.append(f"{peer}: {len(only_k)} (rep, week) groups only in kpi, e.g. {only_k[:3]}")
    if only_p:
        problems.append(f"{peer}: {len(only_p)} (rep, week) groups only in {peer}, e.g. {only_p[:3]}")
    common = sorted(set(k) & set(p))
    for col in [c for c in kcols if c in pcols and c not in KEY]:
        bad = [key for key in common if not same_value(col, k[key][col], p[key][col])]
        if bad:
            key = bad[0]
            problems.append(
                f"{peer}: column `{col}` disagrees on {len(bad):,} of {len(common):,} rows, first at "
                f"rep={key[0]} week_start={key[1]}: kpi={k[key][col]!r} {peer}={p[key][col]!r}")
    return problems


def funnel_identity(kpi_out: Path) -> list:
    """The universal sales formula: where funnel_total is not null it equals won_amount."""
    _, k, _ = read_report(kpi_out, from_kpi=True)
    bad, n = [], 0
    for key, r in sorted(k.items()):
        ft, wa = r.get("funnel_total", ""), r.get("won_amount", "")
        if ft in ("", None):
            continue
        n += 1
        if abs(float(ft) - float(wa)) > 1e-6 * max(abs(float(wa)), 1.0):
            bad.append((key, ft, wa))
    if bad:
        key, ft, wa = bad[0]
        return [f"kpi: funnel_total != won_amount on {len(bad)} of {n} rows, first at {key}: {ft} vs {wa}"]
    return []


def compare_columns(a_path: Path, b_path: Path, cols) -> list:
    """kpi vs kpi: the listed columns of two kpi outputs agree (scaling consistency)."""
    _, a, _ = read_report(a_path, from_kpi=True)
    _, b, _ = read_report(b_path, from_kpi=True)
    problems = []
    if set(a) != set(b):
        problems.append(f"scaling: the 10- and 100-metric outputs have different groups ({len(a)} vs {len(b)})")
    for col in cols:
        bad = [key for key in set(a) & set(b) if not same_value(col, a[key].get(col), b[key].get(col))]
        if bad:
            problems.append(f"scaling: `{col}` differs between the 10- and 100-metric runs on {len(bad)} rows")
    return problems


# ---------------------------------------------------------------- measuring


def summarize(walls, rss) -> dict:
    return {
        "walls_s": [round(w, 4) for w in walls],
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "peak_rss_mib": max(rss) / 1024,
    }


def bench_size(rows: int, args, kpi: Path, peers, out_dir: Path, launcher: Launcher) -> dict:
    data = data_file(Path(args.data_dir), rows, args.seed)
    size = data.stat().st_size
    cmds = tool_commands(kpi, peers, data, out_dir, args.threads, not args.no_floor)
    log(f"{rows:,} rows: warming the page cache ({size / 1e6:,.1f} MB) ...")
    warm(data)
    for _, out in cmds.values():  # a tool that writes nothing must not pass on an old file
        if out is not None:
            out.unlink(missing_ok=True)
    walls = {t: [] for t in cmds}
    rss = {t: [] for t in cmds}
    problems = []
    for i in range(args.runs):
        for tool, (cmd, _) in cmds.items():
            w, m = launcher.run(cmd, out_dir / f"{tool}.stderr")
            walls[tool].append(w)
            rss[tool].append(m)
        log(f"  run {i + 1}/{args.runs}: " + ", ".join(f"{t} {walls[t][-1]:.3f} s" for t in cmds))
        if i == 0:
            kpi_out = cmds["kpi"][1]
            problems += funnel_identity(kpi_out)
            for p in peers:
                problems += compare(kpi_out, p, cmds[p][1])
            n = read_report(kpi_out, from_kpi=True)[2]
            if problems:
                log("  DISAGREEMENT:\n    " + "\n    ".join(problems))
            else:
                log(f"  results agree ({n:,} rows; kpi vs {', '.join(peers)})" if peers else
                    f"  kpi's funnel identity holds ({n:,} rows; no peers to compare with)")
    tools = {t: summarize(walls[t], rss[t]) for t in cmds}
    kmed = tools["kpi"]["median_s"]
    for t in tools.values():
        t["kpi_ratio"] = kmed / t["median_s"] if t["median_s"] > 0 else None
    return {
        "rows": rows,
        "file": rel(data),
        "bytes": size,
        "result_rows": read_report(cmds["kpi"][1], from_kpi=True)[2],
        "tools": tools,
        "kpi_gbps": size / kmed / 1e9,
        "commands": {t: display(c) for t, (c, _) in cmds.items()},
        "agreement": {"compared_with": list(peers), "problems": problems},
    }


SCALING_TYPES = ["call", "email", "visit", "meeting", "opportunity", "deal_won", "deal_lost"]
AMOUNT_TYPES = ["opportunity", "deal_won", "deal_lost"]
SCALING_REGIONS = ["north", "south", "east", "west"]


def scaling_metric(i: int) -> str:
    """The i-th metric of the scaling files: varied filters over the one source."""
    t = SCALING_TYPES[i % 7]
    at = AMOUNT_TYPES[i % 3]
    ch = ("inbound", "outbound")[i % 2]
    reg = SCALING_REGIONS[i % 4]
    thr = 500 + 250 * i
    dur = 30 + 20 * i
    team = f"team_{i % 10 + 1:02d}"
    kind = i % 6
    if kind == 0:
        return f'count(activities where type == "{t}" and channel == "{ch}")'
    if kind == 1:
        return f'sum(activities.amount where type == "{at}" and amount > {thr})'
    if kind == 2:
        return f'count(activities where duration_s > {dur} and region == "{reg}")'
    if kind == 3:
        return (f'sum(activities.duration_s where type in ["call", "meeting"] and channel == "{ch}"'
                f' and duration_s < {dur * 10})')
    if kind == 4:
        return f'count(activities where amount > {thr} and team != "{team}")'
    return f'avg(activities.amount where type in ["{at}", "{t}"] and region != "{reg}")'


def scaling_defs(n: int) -> str:
    head = (f"# Generated by bench/run.py: {n} metrics over one source (metrics scaling).\n"
            "source activities {\n  time ts\n  dimensions rep, team, region, channel\n"
            "  column amount: decimal\n  column duration_s: int\n}\n")
    return head + "".join(f"metric m{i:03d} = {scaling_metric(i)}\n" for i in range(n))


def bench_scaling(rows: int, args, kpi: Path, out_dir: Path, launcher: Launcher) -> dict:
    data = data_file(Path(args.data_dir), rows, args.seed)
    warm(data)
    cmds = {}
    for n in (10, 100):
        defs = Path(args.data_dir) / f"scaling_{n}.kpi"
        defs.write_text(scaling_defs(n))
        out = out_dir / f"scaling_{n}_{data.stem}.csv"
        cmds[n] = (kpi_cmd(kpi, defs, data, out), out)
    for _, out in cmds.values():
        out.unlink(missing_ok=True)
    log(f"scaling: 10 vs 100 metrics over {rows:,} rows, {args.scaling_runs} runs ...")
    walls = {n: [] for n in cmds}
    rss = {n: [] for n in cmds}
    for _ in range(args.scaling_runs):
        for n, (cmd, _) in cmds.items():
            w, m = launcher.run(cmd, out_dir / "kpi_scaling.stderr")
            walls[n].append(w)
            rss[n].append(m)
    problems = compare_columns(cmds[10][1], cmds[100][1], [f"m{i:03d}" for i in range(10)])
    res = {n: summarize(walls[n], rss[n]) for n in cmds}
    return {
        "rows": rows,
        "file": rel(data),
        "metrics_10": res[10],
        "metrics_100": res[100],
        "ratio_100_over_10": res[100]["median_s"] / res[10]["median_s"],
        "commands": {str(n): display(c) for n, (c, _) in cmds.items()},
        "problems": problems,
    }


CHECK_TYPES = ["call", "email", "meeting", "visit", "opportunity", "deal_won", "deal_lost"]


def check_defs(n: int) -> str:
    """A definitions file of n metrics, the same text as `definitions(n)` in
    benches/compile.rs: every fourth a count, a sum, a ratio of the two before it, or a
    sum over earlier metrics (the first four are all counts). Keep the two in step."""
    parts = ['settings { currency "EUR" }\n'
             "source activities {\n  time ts\n  dimensions rep, team, region, channel\n  "
             "column amount: decimal\n  column duration_s: int\n}\nparam target = 10\n\n"]
    for i in range(n):
        ty = CHECK_TYPES[i % len(CHECK_TYPES)]
        k = i % 4
        if i < 4 or k == 0:
            line = (f'metric m{i} = count(activities where type == "{ty}" and channel == "c{i % 13}")'
                    " { unit touches }")
        elif k == 1:
            line = (f'metric m{i} = sum(activities.amount where type == "{ty}" and region in '
                    f'["r{i % 3}", "r{i % 7}"])')
        elif k == 2:
            line = f"metric m{i} = m{i - 2} / m{i - 1} {{ format percent }}"
        else:
            line = f"metric m{i} = coalesce(m{i - 3} / target, 0) + m{i - 4} * 2"
        parts.append(line + "\n")
    return "".join(parts)


def bench_check(args, kpi: Path, out_dir: Path, launcher: Launcher) -> dict:
    """Time `kpi check FILE` on the generated CHECK_METRICS-metric file."""
    n = CHECK_METRICS
    defs = Path(args.data_dir) / f"check_{n}.kpi"
    text = check_defs(n)
    defs.write_text(text)
    warm(defs)
    warm(kpi)  # the binary too: the check takes milliseconds, a cold start would dominate
    cmd = [str(kpi), "check", rel(defs)]
    err = out_dir / "kpi_check.stderr"
    log(f"check: `kpi check` of {n:,} metrics ({len(text) / 1e6:.2f} MB), {args.check_runs} runs ...")
    walls, rss = [], []
    verdict = ""
    for i in range(args.check_runs):
        w, m = launcher.run(cmd, err)  # raises Failure (with kpi's stderr) on a non-zero exit
        walls.append(w)
        rss.append(m)
        if i == 0:
            lines = err.read_text(errors="replace").strip().splitlines()
            verdict = lines[-1] if lines else ""
    problems = []
    if not verdict.endswith(": 0 errors, 0 warnings (valid)"):
        problems.append(f"check: the generated {n:,}-metric file is not clean: {verdict or '(no summary line)'}")
    log(f"  {verdict}; " + ", ".join(f"{w * 1000:.0f} ms" for w in walls))
    res = summarize(walls, rss)
    return {
        "metrics": n,
        "file": rel(defs),
        "bytes": len(text.encode()),
        "runs": args.check_runs,
        "result": res,
        "verdict": verdict,
        "target_s": CHECK_TARGET_S,
        "command": display(cmd),
        "problems": problems,
    }


def judge_check(chk) -> dict:
    tid, text = CHECK_TARGET
    if chk is None:
        return {"id": tid, "target": text, "status": "n/a", "detail": "not measured (--no-check)"}
    med = chk["result"]["median_s"]
    return {"id": tid, "target": text, "status": "PASS" if med < CHECK_TARGET_S else "MISS",
            "detail": f"median {med * 1000:.1f} ms over {chk['runs']} runs "
                      f"(target < {CHECK_TARGET_S * 1000:.0f} ms)"}


def paired_runs(cmds: dict, runs: int, launcher, stderr: Path) -> dict:
    """Each command once per round, `runs` rounds: {name: summary}. `cmds` maps a
    name to its argv (or to (argv, output))."""
    walls = {k: [] for k in cmds}
    rss = {k: [] for k in cmds}
    for _ in range(runs):
        for k, c in cmds.items():
            w, m = launcher.run(c[0] if isinstance(c, tuple) else c, stderr)
            walls[k].append(w)
            rss[k].append(m)
    return {k: summarize(walls[k], rss[k]) for k in cmds}


def pass_defs(kind: str) -> str:
    """The report's definitions with 1 or 10 checks, or with a journey funnel."""
    base = DEFS.read_text()
    if kind == "journey":
        base = base.replace("source activities {\n  time ts\n", "source activities {\n  time ts\n  entity rep\n", 1)
        return base + ("\n# Reps through meeting -> opportunity -> won deal, each within 7 days.\n"
                       "funnel rep_path over activities by rep within 7d {\n"
                       '  step meeting     where type == "meeting"\n'
                       '  step opportunity where type == "opportunity"\n'
                       '  step won         where type == "deal_won"\n}\n')
    n = 1 if kind == "checks_1" else 10
    return base + "".join(f"\ncheck {name} = {metric} {{\n  per rep\n  every week\n  warn when < {t}\n}}\n"
                          for name, metric, t in PASS_CHECKS[:n])


def bench_passes(rows: int, args, kpi: Path, out_dir: Path, launcher: Launcher) -> dict:
    """Many checks in one `kpi checks`, and a journey funnel next to the metrics: each
    against its one-pass baseline, paired runs."""
    data = data_file(Path(args.data_dir), rows, args.seed)
    warm(data)
    src = f"activities={rel(data)}"
    cmds = {}
    for kind in ("metrics", "journey", "checks_1", "checks_10"):
        defs = Path(args.data_dir) / f"pass_{kind}.kpi"
        defs.write_text(DEFS.read_text() if kind == "metrics" else pass_defs(kind))
        out = out_dir / f"pass_{kind}_{data.stem}.csv"
        if kind.startswith("checks"):
            cmd = [str(kpi), "checks", rel(defs), "--data", src, "--format", "csv", "-o", rel(out)]
        else:
            cmd = kpi_cmd(kpi, defs, data, out)
            if kind == "journey":
                metrics = re.findall(r"^metric (\w+)", DEFS.read_text(), re.M)
                cmd += ["--metrics", ",".join(metrics + ["rep_path.meeting", "rep_path.opportunity",
                                                         "rep_path.won"])]
        cmds[kind] = (cmd, out)
    log(f"one pass: 1 vs 10 checks, metrics vs metrics + journey over {rows:,} rows, {args.runs} runs ...")
    res = paired_runs(cmds, args.runs, launcher, out_dir / "kpi_passes.stderr")
    problems = []
    one = cmds["checks_1"][1].read_text().splitlines()
    ten = cmds["checks_10"][1].read_text().splitlines()
    first = [line for line in ten if line.startswith(PASS_CHECKS[0][0] + ",")]
    if one[1:] != first:
        problems.append("one pass: the first check's rows differ between the 1- and 10-check runs")
    return {"rows": rows, "file": rel(data), "results": res,
            "commands": {k: display(c) for k, (c, _) in cmds.items()}, "problems": problems}


def judge_passes(ps) -> list:
    out = []
    for tid, text, a, b, factor in PASS_TARGETS:
        if ps is None:
            out.append({"id": tid, "target": text, "status": "n/a", "detail": "not measured (--no-passes)"})
            continue
        r = ps["results"][a]["median_s"] / ps["results"][b]["median_s"]
        out.append({"id": tid, "target": text, "status": "PASS" if r <= factor else "MISS",
                    "detail": f"{ps['results'][a]['median_s']:.3f} s / {ps['results'][b]['median_s']:.3f} s = "
                              f"{r:.2f}x (target <= {factor}x; {ps['rows']:,} rows)"})
    return out


def european_file(data: Path) -> Path:
    """The rows as Excel on a European desktop saves them: `;` between fields and
    decimal commas (written once, kept next to the plain file)."""
    out = data.with_name(data.stem + "_eu.csv")
    if out.exists() and out.stat().st_mtime >= data.stat().st_mtime:
        return out
    log(f"writing {rel(out)} ...")
    tmp = out.with_suffix(".tmp")
    with open(data, newline="") as f, open(tmp, "w", newline="") as g:
        rd = csv.reader(f)
        header = next(rd)
        amount = header.index("amount")
        g.write(";".join(header) + "\n")
        for row in rd:
            row[amount] = row[amount].replace(".", ",")
            g.write(";".join(row) + "\n")
    tmp.replace(out)
    return out


def derived_file(data: Path, suffix: str, make) -> Path:
    out = data.with_name(data.stem + suffix)
    if not (out.exists() and out.stat().st_mtime >= data.stat().st_mtime):
        log(f"writing {rel(out)} ...")
        tmp = out.with_name(out.name + ".tmp")
        make(tmp)
        tmp.replace(out)
    return out


def bench_exports(rows: int, args, kpi: Path, out_dir: Path, launcher: Launcher) -> dict:
    """The report over the same rows as a European CSV, Parquet and gzip CSV, each
    against its baseline, paired runs; results must equal the plain CSV's."""
    data = data_file(Path(args.data_dir), rows, args.seed)
    eu = european_file(data)
    gz = derived_file(data, ".csv.gz", lambda t: t.write_bytes(
        subprocess.run(["gzip", "-c", str(data)], check=True, stdout=subprocess.PIPE).stdout))
    cmds = {}
    defs_eu = Path(args.data_dir) / "exports_eu.kpi"
    defs_eu.write_text(DEFS.read_text().replace("source activities {",
                                                'source activities {\n  delimiter ";"\n  decimal ","', 1))
    cmds["csv"] = (kpi_cmd(kpi, DEFS, data, out_dir / "exp_csv.csv"), out_dir / "exp_csv.csv")
    cmds["csv_eu"] = (kpi_cmd(kpi, defs_eu, eu, out_dir / "exp_eu.csv"), out_dir / "exp_eu.csv")
    cmds["gzip_dc"] = (["gzip", "-dc", rel(gz)], None)
    cmds["csv_gz"] = (kpi_cmd(kpi, DEFS, gz, out_dir / "exp_gz.csv"), out_dir / "exp_gz.csv")
    have_duckdb = True
    try:
        import duckdb  # noqa: F401
    except ImportError:
        have_duckdb = False
    if have_duckdb:
        def write_parquet(tmp: Path) -> None:
            import duckdb
            con = duckdb.connect()
            con.execute(f"SET threads = {int(args.threads)}")
            sql = (PEERS["duckdb"].with_name("duckdb_report.sql")).read_text()
            view = sql[sql.index("SELECT * FROM read_csv"):sql.index("});") + 2]
            con.execute("SET VARIABLE src = ?", [str(data)])
            con.execute(f"COPY ({view}) TO '{tmp}' (FORMAT parquet)")
        pq = derived_file(data, ".parquet", write_parquet)
        cmds["parquet"] = (kpi_cmd(kpi, DEFS, pq, out_dir / "exp_pq.csv"), out_dir / "exp_pq.csv")
        cmds["duckdb_parquet"] = ([sys.executable, rel(PEERS["duckdb"]), rel(pq), rel(out_dir / "exp_dpq.csv"),
                                   "--threads", str(args.threads)], out_dir / "exp_dpq.csv")
    for f in (data, eu, gz):
        warm(f)
    log(f"exports: {', '.join(cmds)} over {rows:,} rows, {args.runs} runs ...")
    res = paired_runs(cmds, args.runs, launcher, out_dir / "kpi_exports.stderr")
    problems = []
    want = cmds["csv"][1].read_text()
    for k in ("csv_eu", "csv_gz", "parquet"):
        if k in cmds and cmds[k][1].read_text() != want:
            problems.append(f"exports: kpi's report from {k} differs from the plain CSV's")
    if have_duckdb:
        problems += compare(cmds["parquet"][1], "duckdb", cmds["duckdb_parquet"][1])
    return {"rows": rows, "bytes": {"csv": data.stat().st_size, "csv_eu": eu.stat().st_size},
            "results": res, "commands": {k: display(c) for k, (c, _) in cmds.items()}, "problems": problems}


def judge_exports(ex) -> list:
    out = []
    if ex is None:
        return [{"id": t, "target": text, "status": "n/a", "detail": "not measured (--no-exports)"}
                for t, text in EXPORT_TARGETS]
    r = ex["results"]
    med = {k: v["median_s"] for k, v in r.items()}
    gbps = {k: ex["bytes"][k] / med[k] / 1e9 for k in ("csv", "csv_eu")}
    share = gbps["csv_eu"] / gbps["csv"]
    rows = f"{ex['rows']:,} rows"
    checks = [("T9", share >= 0.8, f"{gbps['csv_eu']:.2f} GB/s vs {gbps['csv']:.2f} GB/s = {share:.0%} "
                                   f"(target >= 80 %; {rows})")]
    if "parquet" in med:
        q = med["parquet"] / med["duckdb_parquet"]
        checks.append(("T10", q <= 0.5, f"{med['parquet']:.3f} s / {med['duckdb_parquet']:.3f} s = {q:.2f}x "
                                        f"(target <= 0.5x; {rows})"))
        a, b = r["parquet"]["peak_rss_mib"], r["duckdb_parquet"]["peak_rss_mib"]
        checks.append(("T11", a < b, f"{a:.0f} MiB vs {b:.0f} MiB ({rows})"))
    g = med["csv_gz"] / med["gzip_dc"]
    checks.append(("T12", g <= 1.3, f"{med['csv_gz']:.3f} s / {med['gzip_dc']:.3f} s = {g:.2f}x "
                                    f"(target <= 1.3x; {rows})"))
    done = {c[0] for c in checks}
    for tid, text in EXPORT_TARGETS:
        hit = [c for c in checks if c[0] == tid]
        if hit:
            out.append({"id": tid, "target": text, "status": "PASS" if hit[0][1] else "MISS",
                        "detail": hit[0][2]})
        elif tid not in done:
            out.append({"id": tid, "target": text, "status": "n/a", "detail": "DuckDB not installed"})
    return out


def facts_file(data: Path) -> Path:
    """The rows without their team and region (the CRM export a lookup completes)."""
    def make(tmp: Path) -> None:
        with open(data, newline="") as f, open(tmp, "w", newline="") as g:
            rd = csv.reader(f)
            header = next(rd)
            keep = [i for i, c in enumerate(header) if c not in ("team", "region")]
            g.write(",".join(header[i] for i in keep) + "\n")
            for row in rd:
                g.write(",".join(row[i] for i in keep) + "\n")
    return derived_file(data, "_facts.csv", make)


def reps_files(data: Path) -> tuple:
    """The reps lookup (rep -> team, region) from the rows, plain and with each rep's
    membership cut in two intervals (same team: the report must not change)."""
    plain = data.with_name(data.stem + "_reps.csv")
    valid = data.with_name(data.stem + "_reps_valid.csv")
    if not (plain.exists() and valid.exists() and plain.stat().st_mtime >= data.stat().st_mtime):
        teams = {}
        with open(data, newline="") as f:
            rd = csv.DictReader(f)
            for row in rd:
                teams.setdefault(row["rep"], (row["team"], row["region"]))
                if len(teams) >= 200 and rd.line_num > 100_000:
                    break
        with open(plain, "w") as g:
            g.write("rep,team,region\n")
            for rep, (t, r) in sorted(teams.items()):
                g.write(f"{rep},{t},{r}\n")
        with open(valid, "w") as g:
            g.write("rep,team,region,start_date,end_date\n")
            for rep, (t, r) in sorted(teams.items()):
                g.write(f"{rep},{t},{r},,2023-07-01\n{rep},{t},{r},2023-07-01,\n")
    return plain, valid


def priced_file(data: Path) -> Path:
    """The rows with each amount split into qty x unit_price (exactly: qty in 1, 2, 4,
    5, so unit_price has at most 4 decimals), the amount kept."""
    def make(tmp: Path) -> None:
        from decimal import Decimal
        with open(data, newline="") as f, open(tmp, "w", newline="") as g:
            rd = csv.reader(f)
            header = next(rd)
            a = header.index("amount")
            g.write(",".join(header + ["qty", "unit_price"]) + "\n")
            for n, row in enumerate(rd):
                amount = row[a]
                if amount:
                    q = (1, 2, 4, 5)[n % 4]
                    price = format((Decimal(amount) / q).normalize(), "f")
                    g.write(",".join(row + [str(q), price]) + "\n")
                else:
                    g.write(",".join(row + ["", ""]) + "\n")
    return derived_file(data, "_priced.csv", make)


def bench_models(rows: int, args, kpi: Path, out_dir: Path, launcher: Launcher) -> dict:
    """The report with team/region from a lookup (plain and with validity) against the
    denormalized file, and won_amount as a row expression against the plain column;
    paired runs; every variant must give its baseline's report."""
    data = data_file(Path(args.data_dir), rows, args.seed)
    facts = facts_file(data)
    reps, reps_valid = reps_files(data)
    priced = priced_file(data)
    base = DEFS.read_text()
    dims = "  dimensions rep, team, region, channel\n"
    if dims not in base:
        raise SetupError("the report's definitions changed: no `dimensions rep, team, region, channel`")
    lookup = base.replace(dims, "  dimensions rep, channel\n  lookup reps\n", 1)
    defs = {}
    defs["lookup"] = lookup + '\nsource reps {\n  key rep\n  dimensions team, region\n}\n'
    defs["lookup_valid"] = lookup + ('\nsource reps {\n  key rep\n  dimensions team, region\n'
                                     '  valid_from start_date\n  valid_to end_date\n}\n')
    won = 'sum(activities.amount where type == "deal_won")'
    if won not in base:
        raise SetupError(f"the report's definitions changed: no `{won}`")
    defs["row_expr"] = base.replace(won, 'sum(activities.qty * activities.unit_price where type == "deal_won")', 1)
    defs["row_expr"] = defs["row_expr"].replace("  column amount: decimal\n",
                                                "  column amount: decimal\n  column qty: int\n"
                                                "  column unit_price: decimal\n", 1)
    paths = {}
    for k, text in defs.items():
        paths[k] = Path(args.data_dir) / f"models_{k}.kpi"
        paths[k].write_text(text)
    out = lambda k: out_dir / f"models_{k}.csv"  # noqa: E731

    def by_team(cmd: list) -> list:
        # Grouped by the lookup's dimensions, so that every row needs them.
        return [("region,team,rep" if a == "rep" and cmd[i - 1] == "--by" else a) for i, a in enumerate(cmd)]

    cmds = {
        "denormalized": by_team(kpi_cmd(kpi, DEFS, data, out("denormalized"))),
        "lookup": by_team(kpi_cmd(kpi, paths["lookup"], facts, out("lookup"))) + ["--data", f"reps={rel(reps)}"],
        "lookup_valid": by_team(kpi_cmd(kpi, paths["lookup_valid"], facts, out("lookup_valid")))
        + ["--data", f"reps={rel(reps_valid)}"],
        "plain_column": kpi_cmd(kpi, DEFS, priced, out("plain_column")),
        "row_expr": kpi_cmd(kpi, paths["row_expr"], priced, out("row_expr")),
    }
    for f in (data, facts, priced):
        warm(f)
    log(f"models: {', '.join(cmds)} over {rows:,} rows, {args.runs} runs ...")
    res = paired_runs(cmds, args.runs, launcher, out_dir / "kpi_models.stderr")
    problems = []
    for k, base_k in (("lookup", "denormalized"), ("lookup_valid", "denormalized"), ("row_expr", "plain_column")):
        if out(k).read_text() != out(base_k).read_text():
            problems.append(f"models: kpi's report with {k} differs from the {base_k} one's")
    return {"rows": rows, "results": res, "commands": {k: display(c) for k, c in cmds.items()},
            "problems": problems}


def bench_forecast(rows: int, args, kpi: Path, out_dir: Path, launcher: Launcher) -> dict:
    """`kpi forecast` (and with an 8-period backtest) against `kpi eval` of the same
    metrics by rep and month over the same file; paired runs. The forecast's to-date
    values must be eval's over the same days."""
    data = data_file(Path(args.data_dir), rows, args.seed)
    warm(data)
    src = f"activities={rel(data)}"
    out = lambda k: out_dir / f"forecast_{k}.{'json' if k != 'eval' else 'csv'}"  # noqa: E731
    common = ["--data", src, "--by", "rep"]
    cmds = {
        "eval": [str(kpi), "eval", rel(DEFS), *common, "--grain", "month", "--format", "csv", "-o", rel(out("eval"))],
        "forecast": [str(kpi), "forecast", rel(DEFS), *common, "--today", FORECAST_TODAY,
                     "--format", "json", "-o", rel(out("forecast"))],
        "backtest": [str(kpi), "forecast", rel(DEFS), *common, "--today", FORECAST_TODAY, "--backtest", "8",
                     "--format", "json", "-o", rel(out("backtest"))],
    }
    log(f"forecast: {', '.join(cmds)} over {rows:,} rows, {args.runs} runs ...")
    res = paired_runs(cmds, args.runs, launcher, out_dir / "kpi_forecast.stderr")
    problems = []
    # The to-date values are eval's over the month through --today.
    check = out_dir / "forecast_check.csv"
    first = FORECAST_TODAY[:8] + "01"
    subprocess.run([str(kpi), "eval", rel(DEFS), *common, "--grain", "month", "--from", first,
                    "--to", FORECAST_TODAY, "--format", "csv", "-o", rel(check)], check=True, cwd=ROOT)
    with open(check) as f:
        want = {(r["rep"], m): v for r in csv.DictReader(f) for m, v in r.items() if m not in ("rep", "period")}
    got = json.loads(out("forecast").read_text())
    bad = 0
    for r in got:
        key = (r["group"]["rep"], r["metric"])
        if key in want and not same_value("to_date", want[key], "" if r["to_date"] is None else str(r["to_date"])):
            bad += 1
    if bad:
        problems.append(f"forecast: {bad} to-date values differ from kpi eval over {first}..{FORECAST_TODAY}")
    bt = json.loads(out("backtest").read_text())
    if bt["forecast"] != got:
        problems.append("forecast: the backtest run's forecast differs from the plain run's")
    return {"rows": rows, "results": res, "commands": {k: display(c) for k, c in cmds.items()},
            "problems": problems}


def bench_sql(rows: int, args, kpi: Path, out_dir: Path) -> dict:
    """bench/sql_duckdb.py over the workload: the generated query (typed and text time
    column) against the hand-written one, timed inside DuckDB on loaded tables."""
    data = data_file(Path(args.data_dir), rows, args.seed)
    cmd = [sys.executable, rel(ROOT / "bench" / "sql_duckdb.py"), rel(data), "--kpi", str(kpi),
           "--runs", str(args.runs), "--threads", str(args.threads), "--out-dir", rel(out_dir)]
    log(f"sql: the generated and the hand-written query in DuckDB over {rows:,} rows, {args.runs} runs ...")
    try:
        p = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    except subprocess.CalledProcessError as e:
        raise Failure(f"bench/sql_duckdb.py failed: {e.stderr.strip()[-2000:]}")
    res = json.loads(p.stdout)
    res["rows_in"] = rows
    res["command"] = display(cmd)
    return res


def judge_sql(sq) -> list:
    out = []
    for tid, text in SQL_TARGETS:
        if sq is None:
            out.append({"id": tid, "target": text, "status": "n/a", "detail": "not measured (--no-sql)"})
            continue
        r = sq["results"]
        q = {k: r[f"typed_{k}"]["median_s"] / r[f"hand_{k}"]["median_s"] for k in ("naive", "tz")}
        ok = max(q.values()) <= 1.2
        out.append({"id": tid, "target": text, "status": "PASS" if ok else "MISS",
                    "detail": f"ts TIMESTAMP (the peer's type): {r['typed_naive']['median_s']:.3f} s / "
                              f"{r['hand_naive']['median_s']:.3f} s = {q['naive']:.2f}x; ts TIMESTAMPTZ: "
                              f"{r['typed_tz']['median_s']:.3f} s / {r['hand_tz']['median_s']:.3f} s = "
                              f"{q['tz']:.2f}x; untyped (text) {r['text']['median_s']:.3f} s "
                              f"(target <= 1.2x; {sq['rows_in']:,} rows)"})
    return out


def bench_report(rows: int, args, kpi: Path, out_dir: Path, launcher: Launcher) -> dict:
    """`kpi report` against `kpi eval` of the same request (by rep and week), paired."""
    data = data_file(Path(args.data_dir), rows, args.seed)
    warm(data)
    out_html = out_dir / "report.html"
    cmds = {
        "eval": kpi_cmd(kpi, DEFS, data, out_dir / "report_eval.csv"),
        "report": [str(kpi), "report", rel(DEFS), "--data", f"activities={rel(data)}", "--by", "rep",
                   "--grain", "week", "--today", REPORT_TODAY, "-o", rel(out_html)],
    }
    log(f"report: {', '.join(cmds)} over {rows:,} rows, {args.runs} runs ...")
    res = paired_runs(cmds, args.runs, launcher, out_dir / "kpi_report.stderr")
    problems = []
    text = out_html.read_text()
    for section in ("headline", "trends", "funnels", "checks", "forecast", "reviews", "definitions"):
        if f'<section id="{section}">' not in text:
            problems.append(f"report: no {section} section")
    return {"rows": rows, "results": res, "commands": {k: display(c) for k, c in cmds.items()},
            "problems": problems, "bytes": len(text.encode())}


def judge_report(rp) -> list:
    out = []
    for tid, text, a, b, factor in REPORT_TARGETS:
        if rp is None:
            out.append({"id": tid, "target": text, "status": "n/a", "detail": "not measured (--no-report)"})
            continue
        r = rp["results"][a]["median_s"] / rp["results"][b]["median_s"]
        out.append({"id": tid, "target": text, "status": "PASS" if r <= factor else "MISS",
                    "detail": f"{rp['results'][a]['median_s']:.3f} s / {rp['results'][b]['median_s']:.3f} s = "
                              f"{r:.2f}x (target <= {factor}x; {rp['rows']:,} rows; page {rp['bytes'] / 1e6:.1f} MB)"})
    return out


def judge_forecast(fc) -> list:
    out = []
    for tid, text, a, b, factor in FORECAST_TARGETS:
        if fc is None:
            out.append({"id": tid, "target": text, "status": "n/a", "detail": "not measured (--no-forecast)"})
            continue
        r = fc["results"][a]["median_s"] / fc["results"][b]["median_s"]
        out.append({"id": tid, "target": text, "status": "PASS" if r <= factor else "MISS",
                    "detail": f"{fc['results'][a]['median_s']:.3f} s / {fc['results'][b]['median_s']:.3f} s = "
                              f"{r:.2f}x (target <= {factor}x; {fc['rows']:,} rows)"})
    return out


def judge_models(md) -> list:
    out = []
    for tid, text, a, b, factor in MODEL_TARGETS:
        if md is None:
            out.append({"id": tid, "target": text, "status": "n/a", "detail": "not measured (--no-models)"})
            continue
        r = md["results"][a]["median_s"] / md["results"][b]["median_s"]
        out.append({"id": tid, "target": text, "status": "PASS" if r <= factor else "MISS",
                    "detail": f"{md['results'][a]['median_s']:.3f} s / {md['results'][b]['median_s']:.3f} s = "
                              f"{r:.2f}x (target <= {factor}x; {md['rows']:,} rows)"})
    return out


# ---------------------------------------------------------------- report


def fmt_rows(n: int) -> str:
    for unit, div in (("M", 1_000_000), ("k", 1_000)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return f"{n:,}"


def tool_label(t: str, threads: int, nproc: int) -> str:
    if t == "kpi":
        return f"kpi (all {nproc} cores)"
    if t == "cat":
        return "cat FILE > /dev/null (I/O floor)"
    return f"{'DuckDB' if t == 'duckdb' else 'Polars'} ({threads} threads)"


def judge(targets_spec, sizes: dict, threads: int) -> list:
    out = []
    for tid, text, rows, kind, peer, factor in targets_spec:
        s = sizes.get(rows)
        status, detail = "n/a", ""
        if s is None:
            detail = f"{fmt_rows(rows)} rows not measured (--rows {rows})"
        elif peer is not None and peer not in s["tools"]:
            detail = f"{peer} not measured ({INSTALL_HINT})"
        elif kind == "wall":
            r = s["tools"]["kpi"]["median_s"] / s["tools"][peer]["median_s"]
            status = "PASS" if r <= factor else "MISS"
            detail = (f"kpi {s['tools']['kpi']['median_s']:.3f} s / {peer} "
                      f"{s['tools'][peer]['median_s']:.3f} s = {r:.3f}x (target <= {factor}x)")
        elif kind == "rss":
            a, b = s["tools"]["kpi"]["peak_rss_mib"], s["tools"][peer]["peak_rss_mib"]
            status = "PASS" if a <= b else "MISS"
            detail = f"kpi {a:.0f} MiB vs {peer} {b:.0f} MiB"
        elif kind == "gbps":
            g = s["kpi_gbps"]
            status = "PASS" if g >= factor else "MISS"
            detail = f"{g:.2f} GB/s ({s['bytes'] / 1e9:.2f} GB / {s['tools']['kpi']['median_s']:.3f} s)"
        if status != "n/a" and peer is not None and threads != 2:
            detail += f" [note: peers ran with {threads} threads, the target is stated at 2]"
        out.append({"id": tid, "target": text, "status": status, "detail": detail})
    return out


def timing_section(title: str, part: dict, names: dict, agree: str) -> list:
    """A measurement's table of commands, its consistency line and its commands."""
    lines = [f"## {title}", "", "| command | median s | min s | max s | peak RSS MiB |", "|---|---:|---:|---:|---:|"]
    for k, f in part["results"].items():
        lines.append(f"| {names[k]} | {f['median_s']:.3f} | {f['min_s']:.3f} | {f['max_s']:.3f} | "
                     f"{f['peak_rss_mib']:.1f} |")
    lines.append("")
    if part["problems"]:
        lines.append("Consistency: **DISAGREE**")
        lines += [f"- {p}" for p in part["problems"]]
    else:
        lines.append(f"Consistency: {agree}")
    lines += ["", "```sh", *part["commands"].values(), "```", ""]
    return lines


def report(res: dict) -> str:
    m = res["machine"]
    threads = res["threads"]
    lines = ["# kpi benchmark: the sales KPI report (per rep x ISO week)", ""]
    lines.append(f"Machine: {m['nproc']} cores usable ({m['cpu_count']} online), {m['cpu_model']}, "
                 f"{m['mem_gib']} GiB RAM, Linux {m['kernel']}; load average at start "
                 f"{' '.join(str(x) for x in m['loadavg_at_start'])}; Python {m['python']}.")
    vers = ", ".join(f"{k} {v}" for k, v in res["versions"].items())
    lines.append(f"Versions: {vers}. Runs: {res['runs']} paired runs per tool, whole process "
                 "(start-up and imports included), files in the page cache; "
                 "median/min/max wall time, peak RSS = max over the runs.")
    lines.append("")
    for s in res["sizes"]:
        lines.append(f"## {s['rows']:,} rows ({s['bytes'] / 1e6:,.1f} MB, `{s['file']}`; "
                     f"{s['result_rows']:,} result rows)")
        lines.append("")
        lines.append("| tool | median s | min s | max s | peak RSS MiB | kpi / tool |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for t, f in s["tools"].items():
            ratio = f"{f['kpi_ratio']:.3f}" if f["kpi_ratio"] is not None else "-"
            lines.append(f"| {tool_label(t, threads, m['nproc'])} | {f['median_s']:.3f} | {f['min_s']:.3f} | "
                         f"{f['max_s']:.3f} | {f['peak_rss_mib']:.1f} | {ratio} |")
        lines.append("")
        lines.append(f"kpi throughput: **{s['kpi_gbps']:.2f} GB/s** of CSV "
                     f"({s['bytes'] / 1e9:.3f} GB / {s['tools']['kpi']['median_s']:.3f} s median).")
        ag = s["agreement"]
        if ag["problems"]:
            lines.append("Agreement: **DISAGREE**")
            lines += [f"- {p}" for p in ag["problems"]]
        elif ag["compared_with"]:
            lines.append(f"Agreement: kpi, {' and '.join(ag['compared_with'])} agree on every row and column "
                         f"(integers exact, floats to {REL_TOL:g} relative); funnel_total = won_amount "
                         "wherever it is not null.")
        else:
            lines.append("Agreement: no peers to compare with; kpi's funnel_total = won_amount "
                         "wherever it is not null.")
        lines.append("")
    if res["targets"]:
        lines.append("## Targets")
        lines.append("")
        for t in res["targets"]:
            lines.append(f"- **{t['status']}** {t['id']} {t['target']}: {t['detail']}")
        lines.append("")
    sc = res.get("scaling")
    if sc:
        a, b = sc["metrics_10"], sc["metrics_100"]
        lines.append(f"## Metrics scaling: 10 vs 100 metrics over one source ({sc['rows']:,} rows, "
                     f"{len(a['walls_s'])} runs)")
        lines.append("")
        lines.append("| definitions | median s | min s | max s | peak RSS MiB |")
        lines.append("|---|---:|---:|---:|---:|")
        for name, f in (("10 metrics", a), ("100 metrics", b)):
            lines.append(f"| {name} | {f['median_s']:.3f} | {f['min_s']:.3f} | {f['max_s']:.3f} | "
                         f"{f['peak_rss_mib']:.1f} |")
        lines.append("")
        lines.append(f"t(100) / t(10) = **{sc['ratio_100_over_10']:.2f}** (10 separate passes would be 10; "
                     "one pass over the data should be well under that).")
        if sc["problems"]:
            lines.append("Consistency: **DISAGREE**")
            lines += [f"- {p}" for p in sc["problems"]]
        else:
            lines.append("Consistency: the first 10 metrics of the 100-metric run equal the 10-metric run.")
        lines.append("")
    ck = res.get("check")
    if ck:
        f = ck["result"]
        lines.append(f"## Definitions check: {ck['metrics']:,} metrics")
        lines.append("")
        lines.append(f"`kpi check` of `{ck['file']}` ({ck['bytes'] / 1e6:.2f} MB, generated like "
                     f"`definitions({ck['metrics']})` in benches/compile.rs), {ck['runs']} runs, whole process.")
        lines.append("")
        lines.append("| command | median ms | min ms | max ms | peak RSS MiB |")
        lines.append("|---|---:|---:|---:|---:|")
        lines.append(f"| kpi check | {f['median_s'] * 1000:.1f} | {f['min_s'] * 1000:.1f} | "
                     f"{f['max_s'] * 1000:.1f} | {f['peak_rss_mib']:.1f} |")
        lines.append("")
        t6 = next((t for t in res["targets"] if t["id"] == CHECK_TARGET[0]), None) or judge_check(ck)
        lines.append(f"Target: **{t6['status']}** (median {f['median_s'] * 1000:.1f} ms, "
                     f"target < {ck['target_s'] * 1000:.0f} ms). kpi says: `{ck['verdict']}`.")
        if ck["problems"]:
            lines.append("Validity: **NOT CLEAN**")
            lines += [f"- {p}" for p in ck["problems"]]
        lines.append("")
    ps = res.get("passes")
    if ps:
        lines.append(f"## One pass: checks and journeys ({ps['rows']:,} rows, "
                     f"{len(ps['results']['metrics']['walls_s'])} runs)")
        lines.append("")
        lines.append("| command | median s | min s | max s | peak RSS MiB |")
        lines.append("|---|---:|---:|---:|---:|")
        names = {"metrics": "kpi eval: the report's metrics", "journey": "kpi eval: the metrics + a journey funnel",
                 "checks_1": "kpi checks: 1 check", "checks_10": "kpi checks: 10 checks"}
        for k, f in ps["results"].items():
            lines.append(f"| {names[k]} | {f['median_s']:.3f} | {f['min_s']:.3f} | {f['max_s']:.3f} | "
                         f"{f['peak_rss_mib']:.1f} |")
        lines.append("")
        if ps["problems"]:
            lines.append("Consistency: **DISAGREE**")
            lines += [f"- {p}" for p in ps["problems"]]
        else:
            lines.append("Consistency: the first check's rows are the same in the 1- and 10-check runs.")
        lines.append("")
    ex = res.get("exports")
    if ex:
        lines += timing_section(
            f"Real exports ({ex['rows']:,} rows, {len(ex['results']['csv']['walls_s'])} runs)", ex,
            {"csv": "kpi eval: plain CSV", "csv_eu": "kpi eval: `;` + decimal-comma CSV",
             "gzip_dc": "gzip -dc FILE.csv.gz > /dev/null", "csv_gz": "kpi eval: gzip CSV",
             "parquet": "kpi eval: Parquet", "duckdb_parquet": "DuckDB: the report over the Parquet file"},
            "every form gives the plain CSV's report; DuckDB agrees on the Parquet file.")
    md = res.get("models")
    if md:
        lines += timing_section(
            f"Richer models ({md['rows']:,} rows, {len(md['results']['denormalized']['walls_s'])} runs)", md,
            {"denormalized": "kpi eval --by region,team,rep: team/region in the file",
             "lookup": "kpi eval: team/region from a 200-row lookup",
             "lookup_valid": "kpi eval: the lookup with validity intervals",
             "plain_column": "kpi eval: sum(amount) (file with qty, unit_price)",
             "row_expr": "kpi eval: sum(qty * unit_price) (same file)"},
            "the lookups give the denormalized file's report, the row expression the plain column's.")
    fc = res.get("forecast")
    if fc:
        lines += timing_section(
            f"Forecasts ({fc['rows']:,} rows, {len(fc['results']['eval']['walls_s'])} runs)", fc,
            {"eval": "kpi eval --by rep --grain month: the report's metrics",
             "forecast": f"kpi forecast --by rep --today {FORECAST_TODAY}",
             "backtest": f"kpi forecast --by rep --today {FORECAST_TODAY} --backtest 8"},
            "the forecast's to-date values are kpi eval's over the same days; the backtest run "
            "forecasts the same.")
    rp = res.get("report")
    if rp:
        lines += timing_section(
            f"The review report ({rp['rows']:,} rows, {len(rp['results']['eval']['walls_s'])} runs)", rp,
            {"eval": "kpi eval --by rep --grain week: the report's metrics",
             "report": "kpi report --by rep --grain week (every section)"},
            "the page has every section.")
    sq = res.get("sql")
    if sq:
        names = {"hand_tz": "hand-written (bench/peers/duckdb_report.sql), ts TIMESTAMPTZ",
                 "typed_tz": "kpi sql, `column ts: timestamp`, ts TIMESTAMPTZ",
                 "hand_naive": "hand-written, ts TIMESTAMP",
                 "typed_naive": "kpi sql, `column ts: timestamp`, ts TIMESTAMP",
                 "text": "kpi sql, no hint, ts VARCHAR"}
        lines += [f"## Warehouse SQL in DuckDB {sq['duckdb']} ({sq['rows_in']:,} rows loaded in "
                  f"{sq['load_s']:.1f} s, {len(sq['results']['text']['walls_s'])} runs, queries only)", "",
                  "| query | median s | min s | max s |", "|---|---:|---:|---:|"]
        for k, f in sq["results"].items():
            lines.append(f"| {names.get(k, k)} | {f['median_s']:.3f} | {f['min_s']:.3f} | {f['max_s']:.3f} |")
        lines.append("")
        if sq["problems"]:
            lines.append("Consistency: **DISAGREE**")
            lines += [f"- {p}" for p in sq["problems"]]
        else:
            lines.append("Consistency: the generated queries return the same rows; their counts and sums "
                         "per rep and week are the hand-written query's.")
        lines += ["", "```sh", sq["command"], "```", ""]
    lines.append("## Commands (from the project root)")
    lines.append("")
    lines.append("```sh")
    for s in res["sizes"]:
        lines.append(f"# {s['rows']:,} rows")
        lines += list(s["commands"].values())
    if sc:
        lines.append(f"# scaling, {sc['rows']:,} rows (definitions generated into {res['data_dir']})")
        lines += list(sc["commands"].values())
    if ck:
        lines.append(f"# definitions check, {ck['metrics']:,} metrics (generated into {res['data_dir']})")
        lines.append(ck["command"])
    if ps:
        lines.append(f"# one pass, {ps['rows']:,} rows (definitions generated into {res['data_dir']})")
        lines += list(ps["commands"].values())
    lines.append("```")
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="sizes (default 1M 10M)")
    ap.add_argument("--runs", type=int, default=5, help="paired runs per size (default 5)")
    ap.add_argument("--threads", type=int, default=2, help="DuckDB/Polars threads (default 2; kpi uses all cores)")
    ap.add_argument("--peers", default="duckdb,polars", help="comma list of duckdb,polars, or none")
    ap.add_argument("--data-dir", default="target/bench-data", help="generated data and outputs (default: %(default)s, "
                    "relative to the project root)")
    ap.add_argument("--seed", type=int, default=gen_activities.DEFAULT_SEED)
    ap.add_argument("--kpi", help="benchmark this kpi binary (no cargo build)")
    ap.add_argument("--no-build", action="store_true", help="use target/release/kpi as it is")
    ap.add_argument("--no-floor", action="store_true", help="do not time `cat FILE > /dev/null`")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--scaling", action="store_true", help="only the metrics-scaling measurement")
    g.add_argument("--no-scaling", action="store_true", help="skip the metrics-scaling measurement")
    ap.add_argument("--scaling-runs", type=int, default=3, help="runs of each scaling file (default 3)")
    ap.add_argument("--no-check", action="store_true",
                    help=f"skip the definitions check (`kpi check` of {CHECK_METRICS:,} generated metrics)")
    ap.add_argument("--check-runs", type=int, default=5, help="runs of `kpi check` (default 5)")
    ap.add_argument("--no-exports", action="store_true",
                    help="skip the exports measurement (European CSV, Parquet, gzip)")
    ap.add_argument("--exports", action="store_true",
                    help="only the exports measurement (with --rows: its size is the largest)")
    ap.add_argument("--no-models", action="store_true",
                    help="skip the richer-models measurement (lookups, row expressions)")
    ap.add_argument("--models", action="store_true",
                    help="only the richer-models measurement (with --rows: its size is the largest)")
    ap.add_argument("--no-report", action="store_true", help="skip the review-report measurement (T18)")
    ap.add_argument("--report", action="store_true",
                    help="only the review-report measurement (with --rows: its size is the smallest)")
    ap.add_argument("--no-forecast", action="store_true",
                    help="skip the forecast measurement (kpi forecast, --backtest 8)")
    ap.add_argument("--forecast", action="store_true",
                    help="only the forecast measurement (with --rows: its size is the largest)")
    ap.add_argument("--no-sql", action="store_true",
                    help="skip the warehouse-SQL measurement (the generated query in DuckDB, T19)")
    ap.add_argument("--sql", action="store_true",
                    help="only the warehouse-SQL measurement (with --rows: its size is the largest)")
    ap.add_argument("--no-passes", action="store_true",
                    help="skip the one-pass measurement (1 vs 10 checks, metrics vs metrics + a journey)")
    args = ap.parse_args()
    if (args.runs < 1 or args.scaling_runs < 1 or args.check_runs < 1 or args.threads < 1
            or any(r < 1 for r in args.rows)):
        ap.error("--rows, --runs, --scaling-runs, --check-runs and --threads must be >= 1")
    args.rows = sorted(set(args.rows))
    data_dir = Path(args.data_dir)
    if not data_dir.is_absolute():
        data_dir = ROOT / data_dir
    args.data_dir = str(data_dir)

    machine = machine_info()  # load average before we add any
    launcher = Launcher()  # started while this process is small
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        out_dir = data_dir / "out"
        out_dir.mkdir(exist_ok=True)
        peers = [] if args.scaling else select_peers(args.peers)
        kpi = find_kpi(args)
        versions = {"kpi": tool_version([str(kpi), "--version"]).removeprefix("kpi ")}
        versions.update({p: v for p, v in peer_versions(peers).items()})
        res = {"machine": machine, "versions": versions, "runs": args.runs, "threads": args.threads,
               "peers": peers, "data_dir": rel(data_dir), "sizes": [], "targets": [], "scaling": None,
               "check": None, "passes": None, "exports": None, "models": None, "forecast": None,
               "report": None, "sql": None}
        if args.sql:
            res["sql"] = bench_sql(args.rows[-1], args, kpi, out_dir)
            res["targets"] = judge_sql(res["sql"])
            args.scaling = True  # nothing else
            args.no_scaling = True
        if args.report:
            res["report"] = bench_report(args.rows[0], args, kpi, out_dir, launcher)
            res["targets"] = judge_report(res["report"])
            args.scaling = True  # nothing else
            args.no_scaling = True
        if args.forecast:
            res["forecast"] = bench_forecast(args.rows[-1], args, kpi, out_dir, launcher)
            res["targets"] = judge_forecast(res["forecast"])
            args.scaling = True  # nothing else
            args.no_scaling = True
        if args.models:
            res["models"] = bench_models(args.rows[-1], args, kpi, out_dir, launcher)
            res["targets"] = judge_models(res["models"])
            args.scaling = True  # nothing else
            args.no_scaling = True
        if args.exports:
            res["exports"] = bench_exports(args.rows[-1], args, kpi, out_dir, launcher)
            res["targets"] = judge_exports(res["exports"])
        if not args.scaling and not args.exports:
            for rows in args.rows:
                res["sizes"].append(bench_size(rows, args, kpi, peers, out_dir, launcher))
            res["targets"] = judge(TARGETS, {s["rows"]: s for s in res["sizes"]}, args.threads)
        if not args.no_scaling and not args.exports:
            res["scaling"] = bench_scaling(args.rows[0], args, kpi, out_dir, launcher)
        if not args.scaling and not args.exports and not args.no_check:
            res["check"] = bench_check(args, kpi, out_dir, launcher)
        if not args.scaling and not args.exports and not args.no_passes:
            res["passes"] = bench_passes(args.rows[-1], args, kpi, out_dir, launcher)
        if not args.scaling and not args.exports and not args.no_exports:
            res["exports"] = bench_exports(args.rows[-1], args, kpi, out_dir, launcher)
        if not args.scaling and not args.exports and not args.no_models:
            res["models"] = bench_models(args.rows[-1], args, kpi, out_dir, launcher)
        if not args.scaling and not args.exports and not args.no_report:
            res["report"] = bench_report(args.rows[0], args, kpi, out_dir, launcher)
        if not args.scaling and not args.exports and not args.no_forecast:
            res["forecast"] = bench_forecast(args.rows[-1], args, kpi, out_dir, launcher)
        if not args.scaling and not args.exports and not args.no_sql and "duckdb" in peers:
            res["sql"] = bench_sql(args.rows[-1], args, kpi, out_dir)
        if not args.scaling and not args.exports:
            res["targets"].append(judge_check(res["check"]))
            res["targets"] += judge_passes(res["passes"])
            res["targets"] += judge_exports(res["exports"])
            res["targets"] += judge_models(res["models"])
            res["targets"] += judge_forecast(res["forecast"])
            res["targets"] += judge_report(res["report"])
            res["targets"] += judge_sql(res["sql"])
    except SetupError as e:
        log(f"error: {e}")
        return 2
    except Failure as e:
        log(f"error: {e}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        launcher.close()

    print(report(res))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2) + "\n")
        log(f"figures written to {args.json}")
    bad = [p for s in res["sizes"] for p in s["agreement"]["problems"]]
    if res["scaling"]:
        bad += res["scaling"]["problems"]
    if res["check"]:
        bad += res["check"]["problems"]
    if res["passes"]:
        bad += res["passes"]["problems"]
    if res["exports"]:
        bad += res["exports"]["problems"]
    if res.get("models"):
        bad += res["models"]["problems"]
    if res.get("forecast"):
        bad += res["forecast"]["problems"]
    if res.get("report"):
        bad += res["report"]["problems"]
    if res.get("sql"):
        bad += res["sql"]["problems"]
    if bad:
        log(f"error: results disagree or a generated file is not clean ({len(bad)} problem(s), see the report)")
        return 1
    if not peers and not args.scaling:
        log(f"note: kpi-only figures. For DuckDB/Polars: {INSTALL_HINT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
