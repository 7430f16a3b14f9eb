#!/usr/bin/env python3
"""Deterministic generator of the synthetic CRM activity export the benchmark reads.

    python3 bench/gen_activities.py ROWS -o FILE.csv [--seed N]

Standard library only. The same ROWS, seed and generator version give the same file
(byte for byte with the same Python minor version: it uses `random.Random(seed)`).

Columns `id,ts,rep,team,region,channel,type,amount,duration_s`:
  id          1..ROWS, in file order
  ts          `YYYY-MM-DDTHH:MM:SS` (no zone), sorted, 2023-01-02 .. 2024-12-29: exactly
              104 ISO weeks (2023-W01 .. 2024-W52); weekdays much heavier than weekends,
              ~30 % growth over the two years, business hours 07:00-21:00 peaking ~12:30
  rep         rep_001 .. rep_200, each in one team (team_01 .. team_10, 20 reps each);
              each team in one region (north/south/east/west); reps differ in activity
              level (lognormal) and win rate
  channel     inbound / outbound (share outbound depends on the type)
  type        call 40 %, email 28 %, visit 17 %, meeting 8 %, opportunity 4 %,
              deal_won ~1.2 %, deal_lost ~1.8 % (a closed deal is won at the rep's win rate)
  amount      2 decimals on opportunity / deal_won / deal_lost rows, else empty
  duration_s  integer seconds on call / meeting rows, else empty
About 67 bytes per row (1M rows ~ 67 MB, 10M rows ~ 680 MB).

How it is fast enough in pure Python (10M rows in well under a minute): the rows per
day are allotted exactly (largest remainder) from the day weights; the "tail" of a row
(rep .. duration_s) is drawn from a pool of POOL precomputed tails, the time of day
from a precomputed per-second table; each day's times are sorted and the lines joined
into one big write. With a pool of 2^18 tails, amounts and durations repeat across a
10M-row file (each tail ~40 times), which does not matter to a parser or an aggregator.
"""
import argparse
import math
import os
import random
import sys
from datetime import date, timedelta

GEN_VERSION = 1  # bump when the output for a given ROWS + seed changes (cache key)
DEFAULT_SEED = 20240101

START = date(2023, 1, 2)  # Monday of ISO week 2023-W01
DAYS = 104 * 7
N_REPS, N_TEAMS = 200, 10
REGIONS = ["north", "south", "east", "west"]
TEAM_REGION = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3]
TYPES = ["call", "email", "visit", "meeting", "opportunity", "deal_won", "deal_lost"]
TYPE_P = [0.40, 0.28, 0.17, 0.08, 0.04, 0.03]  # index 5 = a closed deal, won or lost per rep
OUTBOUND_P = [0.80, 0.70, 0.10, 0.55, 0.60, 0.60, 0.60]
WEEKDAY_W = [1.0, 1.0, 1.0, 1.0, 0.9, 0.12, 0.04]  # Mon..Sun
DAY_START_S, DAY_SPAN_S = 7 * 3600, 14 * 3600
POOL = 1 << 18
HEADER = "id,ts,rep,team,region,channel,type,amount,duration_s\n"


def _tails(rng: random.Random) -> list:
    """The pool of row tails: ",rep,team,region,channel,type,amount,duration_s\\n"."""
    teams = [t for t in range(N_TEAMS) for _ in range(N_REPS // N_TEAMS)]
    rng.shuffle(teams)
    rep_w = [rng.lognormvariate(0.0, 0.45) for _ in range(N_REPS)]
    rep_win = [min(max(rng.betavariate(4, 6), 0.1), 0.8) for _ in range(N_REPS)]
    rep_cols = [
        f",rep_{r + 1:03d},team_{teams[r] + 1:02d},{REGIONS[TEAM_REGION[teams[r]]]}"
        for r in range(N_REPS)
    ]
    reps = rng.choices(range(N_REPS), weights=rep_w, k=POOL)
    kinds = rng.choices(range(len(TYPE_P)), weights=TYPE_P, k=POOL)
    out = []
    for rep, typ in zip(reps, kinds):
        if typ == 5 and rng.random() >= rep_win[rep]:
            typ = 6
        channel = "outbound" if rng.random() < OUTBOUND_P[typ] else "inbound"
        amount = duration = ""
        if typ >= 4:
            amount = f"{min(max(rng.lognormvariate(math.log(8000), 0.9), 200.0), 500_000.0):.2f}"
        elif typ == 0:
            duration = str(int(min(max(rng.lognormvariate(math.log(150), 0.8), 5.0), 7200.0)))
        elif typ == 3:
            duration = str(int(min(max(rng.normalvariate(2400, 900), 600.0), 7200.0)))
        out.append(f"{rep_cols[rep]},{channel},{TYPES[typ]},{amount},{duration}\n")
    return out


def _day_counts(n: int) -> list:
    """Rows per day: n split by the day weights, exactly (largest remainder)."""
    w = [WEEKDAY_W[d % 7] * (1.0 + 0.3 * d / DAYS) for d in range(DAYS)]
    total = sum(w)
    exact = [n * x / total for x in w]
    counts = [int(e) for e in exact]
    short = n - sum(counts)
    for d in sorted(range(DAYS), key=lambda d: counts[d] - exact[d])[:short]:
        counts[d] += 1
    return counts


def _time_table() -> tuple:
    """`HH:MM:SS` for every second of 07:00-21:00 and the cumulative Beta(2.5, 3) weights."""
    names, cum, acc = [], [], 0.0
    for s in range(DAY_SPAN_S):
        x = (s + 0.5) / DAY_SPAN_S
        acc += x ** 1.5 * (1.0 - x) ** 2.0
        cum.append(acc)
        t = DAY_START_S + s
        names.append(f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}")
    return names, cum


def write(rows: int, out, seed: int = DEFAULT_SEED) -> None:
    """Write the CSV (header and `rows` rows) to the binary file object `out`."""
    rng = random.Random(seed)
    tails = _tails(rng)
    times, cum = _time_table()
    choices = rng.choices
    out.write(HEADER.encode())
    next_id = 1
    for d, k in enumerate(_day_counts(rows)):
        if not k:
            continue
        prefix = (START + timedelta(days=d)).isoformat() + "T"
        ts = choices(times, cum_weights=cum, k=k)
        ts.sort()
        tl = choices(tails, k=k)
        ids = range(next_id, next_id + k)
        next_id += k
        out.write("".join([f"{i},{prefix}{t}{x}" for i, t, x in zip(ids, ts, tl)]).encode())


def generate(rows: int, path: str, seed: int = DEFAULT_SEED) -> None:
    """Write the file to `path` atomically (a temporary name, then rename)."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb", buffering=1 << 24) as f:
            write(rows, f, seed)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", type=int)
    ap.add_argument("-o", "--out", help="CSV path (default: stdout)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    a = ap.parse_args()
    if a.rows < 0:
        ap.error("ROWS must be >= 0")
    if a.out:
        generate(a.rows, a.out, a.seed)
    else:
        write(a.rows, sys.stdout.buffer, a.seed)


if __name__ == "__main__":
    main()
