#!/usr/bin/env python3
"""Deterministic generator of the example CRM export shipped in data/.

    python3 data/generate.py            # rewrites data/activities.csv and data/quotas.csv

Columns of activities.csv: ts,rep,team,region,channel,type,account,amount,duration_s
(ts is local time, no zone). quotas.csv: month,rep,team,amount (one row per rep and month).
The random generator is seeded, so the files are identical on every run.
"""
import csv
import datetime as dt
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
REPS = [("ann", "north", "emea"), ("bob", "north", "emea"), ("cem", "north", "emea"),
        ("dan", "south", "emea"), ("eve", "south", "emea"), ("fay", "south", "emea"),
        ("gus", "west", "amer"), ("hal", "west", "amer")]
# Each rep's activity level and skill: the best reps call more and convert better.
PROFILE = {"ann": (1.3, 1.4), "bob": (1.0, 1.0), "cem": (0.7, 0.8), "dan": (1.1, 1.2),
           "eve": (0.9, 0.9), "fay": (0.8, 0.7), "gus": (1.2, 1.1), "hal": (0.6, 0.9)}
START = dt.date(2026, 1, 5)   # a Monday: 2026-W02
WEEKS = 13


def main():
    rng = random.Random(20261127)
    rows = []
    account_seq = 0
    for week in range(WEEKS):
        for day in range(5):
            date = START + dt.timedelta(days=7 * week + day)
            for rep, team, region in REPS:
                volume, skill = PROFILE[rep]
                for _ in range(int(rng.gauss(6, 1.5) * volume)):
                    kind = "call" if rng.random() < 0.6 else "email"
                    channel = "outbound"
                    account_seq += 1
                    account = f"acc_{rng.randint(1, 400):04d}"
                    ts = dt.datetime.combine(date, dt.time(8)) + dt.timedelta(minutes=rng.randint(0, 540))
                    dur = rng.randint(30, 900) if kind == "call" else ""
                    rows.append((ts, rep, team, region, channel, kind, account, "", dur))
                    if rng.random() < 0.06 * skill:
                        ts2 = ts + dt.timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 120))
                        rows.append((ts2, rep, team, region, channel, "meeting", account, "", rng.randint(900, 3600)))
                        if rng.random() < 0.5 * skill:
                            ts3 = ts2 + dt.timedelta(days=rng.randint(1, 10))
                            amount = f"{rng.randint(20, 400) * 50 + rng.randint(0, 99) / 100:.2f}"
                            rows.append((ts3, rep, team, region, channel, "opportunity", account, amount, ""))
                            won = rng.random() < 0.45 * skill
                            ts4 = ts3 + dt.timedelta(days=rng.randint(3, 20))
                            rows.append((ts4, rep, team, region, channel, "deal_won" if won else "deal_lost", account, amount, ""))
                for _ in range(int(rng.gauss(2, 1) * volume)):
                    ts = dt.datetime.combine(date, dt.time(9)) + dt.timedelta(minutes=rng.randint(0, 480))
                    account = f"acc_{rng.randint(401, 800):04d}"
                    rows.append((ts, rep, team, region, "inbound", "visit", account, "", ""))
                    if rng.random() < 0.1 * skill:
                        ts2 = ts + dt.timedelta(days=rng.randint(1, 5))
                        rows.append((ts2, rep, team, region, "inbound", "meeting", account, "", 1800))
                        if rng.random() < 0.5 * skill:
                            ts3 = ts2 + dt.timedelta(days=rng.randint(1, 10))
                            amount = f"{rng.randint(20, 300) * 50 + rng.randint(0, 99) / 100:.2f}"
                            rows.append((ts3, rep, team, region, "inbound", "opportunity", account, amount, ""))
                            won = rng.random() < 0.5 * skill
                            ts4 = ts3 + dt.timedelta(days=rng.randint(3, 20))
                            rows.append((ts4, rep, team, region, "inbound", "deal_won" if won else "deal_lost", account, amount, ""))
    last = START + dt.timedelta(days=7 * WEEKS - 1)
    rows = [r for r in rows if r[0].date() <= last]
    rows.sort(key=lambda r: (r[0], r[1]))
    with open(os.path.join(HERE, "activities.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ts", "rep", "team", "region", "channel", "type", "account", "amount", "duration_s"])
        for r in rows:
            w.writerow([r[0].strftime("%Y-%m-%dT%H:%M:%S")] + list(r[1:]))
    with open(os.path.join(HERE, "quotas.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["month", "rep", "team", "amount"])
        for month in ("2026-01", "2026-02", "2026-03", "2026-04"):
            for rep, team, _ in REPS:
                w.writerow([month, rep, team, "30000.00"])
    print(f"{len(rows)} activities, {4 * len(REPS)} quota rows")


if __name__ == "__main__":
    main()
