#!/usr/bin/env bash
# Builds everything and runs the whole test suite: unit, integration (real SQLite files, real
# HTTP, child processes) and browser tests (Playwright driving Debian's Chromium) - once on SQLite,
# then again on PostgreSQL (a throwaway cluster of its own, started here and stopped at the end).
# Usage (from anywhere): bash tests/run.sh
# JOBTRACKER_TEST_POSTGRES=<connection string> uses that server instead of starting one.
# JOBTRACKER_TEST_SQLSERVER=<connection string> adds a third pass on that SQL Server (none runs here).
set -uo pipefail
cd "$(dirname "$0")/.."

chromium=${JOBTRACKER_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Chromium for the browser tests (apt-get install chromium)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if [ ! -x "$chromium" ]; then
    echo "The browser tests need Chromium at $chromium. Install it with: sudo apt-get install -y chromium" >&2
    echo "(or set JOBTRACKER_CHROMIUM to a Chromium/Chrome executable)" >&2
    exit 1
  fi
fi
export JOBTRACKER_CHROMIUM="$chromium"

dotnet build JobTracker.sln -c Release -nologo -clp:ErrorsOnly || exit 1

pg_dir=""
# Stops the cluster and deletes it with the temp folder that held it.
stop_postgres() { [ -n "$pg_dir" ] && bash tests/postgres.sh stop "$pg_dir" && rmdir "$(dirname "$pg_dir")"; }
trap stop_postgres EXIT
if [ -z "${JOBTRACKER_TEST_POSTGRES:-}" ]; then
  pg_dir=$(mktemp -d /tmp/jobtracker-pg.XXXXXX)/cluster
  # The first free port from 55433 on (a server left by a cancelled run may hold one), unless one is set.
  pg_port=${JOBTRACKER_TEST_POSTGRES_PORT:-55433}
  if [ -z "${JOBTRACKER_TEST_POSTGRES_PORT:-}" ]; then
    while (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
  fi
  JOBTRACKER_TEST_POSTGRES=$(bash tests/postgres.sh start "$pg_dir" "$pg_port") || exit 1
fi
export JOBTRACKER_TEST_POSTGRES

passed=0; failed=0; skipped=0; status=0
# One pass of the suite on a provider; adds its counts to the totals.
run_pass() {
  local provider=$1 log summary
  echo "== Tests on $provider"
  log=$(mktemp)
  JOBTRACKER_TEST_PROVIDER=$provider dotnet test tests/JobTracker.Tests -c Release --no-build -nologo 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  # The runner's summary, e.g. "Failed!  - Failed: 1, Passed: 56, Skipped: 0, Total: 57".
  summary=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$summary" ]; then
    echo "The $provider test run did not finish; see above."
    failed=$((failed + 1)); status=1
    return
  fi
  failed=$((failed + $(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")))
  passed=$((passed + $(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")))
  skipped=$((skipped + $(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")))
}

run_pass Sqlite
run_pass PostgreSql
if [ -n "${JOBTRACKER_TEST_SQLSERVER:-}" ]; then run_pass SqlServer; fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
