#!/usr/bin/env bash
# Builds everything and runs the whole test suite: unit, integration (real SQLite files, real
# HTTP, child processes) and browser tests (Playwright driving Debian's Chromium).
# Usage (from anywhere): bash tests/run.sh
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

log=$(mktemp)
dotnet test tests/JobTracker.Tests -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The runner's summary, e.g. "Failed!  - Failed: 1, Passed: 56, Skipped: 0, Total: 57", as one plain line.
summary=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log" | tail -n 1)
rm -f "$log"
if [ -z "$summary" ]; then
  echo "0 passed, 1 failed (the test run did not finish; see above)"
  exit 1
fi
failed=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")
passed=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
skipped=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
