-- The benchmark workload (bench/sales_report.kpi) in DuckDB: one row per rep x ISO week.
-- week_start is the Monday of the ISO week (kpi prints the same week as `2024-W05`).
-- Needs `SET VARIABLE src = 'path.csv'`; duckdb_report.py then runs
--   COPY (FROM sales_report ORDER BY rep, week_start) TO 'out.csv' (HEADER)
CREATE OR REPLACE TEMP VIEW activities AS
SELECT * FROM read_csv(getvariable('src'), header = true, columns = {
    'id': 'BIGINT', 'ts': 'TIMESTAMP', 'rep': 'VARCHAR', 'team': 'VARCHAR',
    'region': 'VARCHAR', 'channel': 'VARCHAR', 'type': 'VARCHAR',
    'amount': 'DOUBLE', 'duration_s': 'BIGINT'});

CREATE OR REPLACE TEMP VIEW sales_report AS
WITH w AS (
    SELECT rep,
        CAST(date_trunc('week', ts) AS DATE) AS week_start,
        count(*) FILTER (type = 'call')        AS calls,
        count(*) FILTER (type = 'email')       AS emails,
        count(*) FILTER (type = 'meeting')     AS meetings,
        count(*) FILTER (type = 'visit')       AS visits,
        count(*) FILTER (type = 'opportunity') AS opportunities,
        count(*) FILTER (type = 'deal_won')    AS won_deals,
        coalesce(sum(amount) FILTER (type = 'deal_won'), 0) AS won_amount,
        count(*) FILTER (type IN ('call', 'email') AND channel = 'outbound') AS outbound_touches,
        count(*) FILTER (type = 'meeting' AND channel = 'inbound')          AS inbound_meetings
    FROM activities
    GROUP BY ALL
)
SELECT *,
    won_amount / nullif(won_deals, 0)      AS avg_deal_size,
    won_deals / nullif(meetings, 0)        AS meeting_hit_rate,
    meetings / nullif(outbound_touches, 0) AS conversion_to_meeting,
    inbound_meetings / nullif(visits, 0)   AS inbound_conversion,
    -- kpi's funnel total is 0 when the last stage is 0 (nothing won: no sales).
    CASE WHEN won_deals = 0 THEN 0
         ELSE outbound_touches * conversion_to_meeting * meeting_hit_rate * avg_deal_size END AS funnel_total,
    calls / 5.0                            AS calls_per_working_day
FROM w;
