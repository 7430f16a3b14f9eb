#!/usr/bin/env bash
# A throw-away PostgreSQL server for the `pg_*` tests (sourced by .ci/run).
#   source .ci/postgres.sh && kpi_pg_start   # exports KPI_TEST_PG_DSN
#   kpi_pg_stop                              # stops it and removes its data
# Installs Debian's `postgresql` package when no server binaries are found. Runs the
# server as the `postgres` user when started as root (initdb refuses root), on
# 127.0.0.1 (the first free port from ${KPI_PG_PORT:-54329}) with trust authentication,
# data in a temp folder.

kpi_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; fi
  done | sort -V | tail -n 1
}

kpi_pg_start() {
  local bin port as
  bin="$(kpi_pg_bin)"
  if [ -z "$bin" ]; then
    echo "postgres: installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    bin="$(kpi_pg_bin)"
  fi
  if [ -z "$bin" ]; then
    echo "postgres: no server binaries after installing" >&2
    return 1
  fi
  # The first free port from KPI_PG_PORT (default 54329): several runs may share a machine.
  port="${KPI_PG_PORT:-54329}"
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  KPI_PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kpi-pg.XXXXXX")"
  export KPI_PG_DIR
  as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$KPI_PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$KPI_PG_DIR/data" -U kpi --auth=trust -E UTF8 --locale=C.UTF-8 >"$KPI_PG_DIR/initdb.log" 2>&1 \
    || { cat "$KPI_PG_DIR/initdb.log" >&2; return 1; }
  "${as[@]}" "$bin/pg_ctl" -D "$KPI_PG_DIR/data" -l "$KPI_PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $KPI_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" start >/dev/null \
    || { cat "$KPI_PG_DIR/server.log" >&2; return 1; }
  KPI_PG_CTL=("${as[@]}" "$bin/pg_ctl" -D "$KPI_PG_DIR/data")
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U kpi kpi
  export KPI_TEST_PG_DSN="host=127.0.0.1 port=$port user=kpi dbname=kpi"
  echo "postgres: $("$bin/postgres" --version) on 127.0.0.1:$port (KPI_TEST_PG_DSN)"
}

kpi_pg_stop() {
  if [ -n "${KPI_PG_DIR:-}" ] && [ -d "$KPI_PG_DIR" ]; then
    if [ -n "${KPI_PG_CTL+x}" ]; then
      "${KPI_PG_CTL[@]}" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$KPI_PG_DIR"
    echo "postgres: stopped"
  fi
}
