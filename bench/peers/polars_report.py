#!/usr/bin/env python3
"""The benchmark workload in Polars (lazy scan_csv): same report as duckdb_report.sql.

    python3 bench/peers/polars_report.py IN.csv OUT.csv [--threads N]

`ts` is read as text and converted with an explicit format: declaring it a Datetime in
the scan_csv schema is several times slower in polars 2.x, and a user would pick the
fast way. Needs `pip install polars` (bench/requirements.txt pins the version measured).
"""
import argparse
import os

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("src", help="activities CSV")
ap.add_argument("out", help="report CSV to write")
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
os.environ["POLARS_MAX_THREADS"] = str(a.threads)  # read by polars at import

import polars as pl  # noqa: E402

SCHEMA = {
    "id": pl.Int64, "ts": pl.String, "rep": pl.String, "team": pl.String, "region": pl.String,
    "channel": pl.String, "type": pl.String, "amount": pl.Float64, "duration_s": pl.Int64,
}


def div(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num / den as a float, null when den == 0."""
    return pl.when(den != 0).then(num / den)


def report(lf: pl.LazyFrame) -> pl.LazyFrame:
    c, t, ch = pl.col, pl.col("type"), pl.col("channel")
    week_start = c("ts").dt.truncate("1w").dt.date().alias("week_start")  # the ISO week's Monday
    return (
        lf.group_by("rep", week_start)
        .agg(
            calls=(t == "call").sum().cast(pl.Int64),
            emails=(t == "email").sum().cast(pl.Int64),
            meetings=(t == "meeting").sum().cast(pl.Int64),
            visits=(t == "visit").sum().cast(pl.Int64),
            opportunities=(t == "opportunity").sum().cast(pl.Int64),
            won_deals=(t == "deal_won").sum().cast(pl.Int64),
            won_amount=c("amount").filter(t == "deal_won").sum(),
            outbound_touches=(t.is_in(["call", "email"]) & (ch == "outbound")).sum().cast(pl.Int64),
            inbound_meetings=((t == "meeting") & (ch == "inbound")).sum().cast(pl.Int64),
        )
        .with_columns(
            avg_deal_size=div(c("won_amount"), c("won_deals")),
            meeting_hit_rate=div(c("won_deals"), c("meetings")),
            conversion_to_meeting=div(c("meetings"), c("outbound_touches")),
            inbound_conversion=div(c("inbound_meetings"), c("visits")),
        )
        .with_columns(
            # kpi's funnel total is 0 when the last stage is 0 (nothing won: no sales).
            funnel_total=pl.when(c("won_deals") == 0)
            .then(pl.lit(0.0))
            .otherwise(c("outbound_touches") * c("conversion_to_meeting")
                       * c("meeting_hit_rate") * c("avg_deal_size")),
            calls_per_working_day=c("calls") / 5.0,
        )
        .sort("rep", "week_start")
    )


lf = pl.scan_csv(a.src, schema=SCHEMA).with_columns(
    pl.col("ts").str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us"))
report(lf).collect().write_csv(a.out)
