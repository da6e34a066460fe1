#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks, never the system service.
#   tests/postgres.sh start DIR [PORT] [durable]
#                                        initdb into DIR (as the postgres user), start it on
#                                        127.0.0.1:PORT (default 55432), print its connection string.
#                                        Tests run it without fsync; 'durable' keeps PostgreSQL's
#                                        defaults (fsync, synchronous_commit, full_page_writes on),
#                                        as the benchmarks do, so their figures hold for a real server.
#   tests/postgres.sh stop DIR           stop it and delete DIR
# Installs Debian's postgresql when it is missing and we are root; otherwise says how.
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR [PORT] [durable] | stop DIR" >&2; exit 2; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

case "$cmd" in
  start)
    port=${3:-55432}
    case "${4:-}" in
      "")      durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" ;;
      durable) durability="" ;;
      *) echo "usage: $0 start DIR [PORT] [durable]" >&2; exit 2 ;;
    esac
    if [ -z "$bin" ]; then
      if [ "$(id -u)" = 0 ]; then
        echo "Installing PostgreSQL for the tests (apt-get install postgresql)..." >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1 \
          || { echo "apt-get install postgresql failed" >&2; exit 1; }
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
      else
        echo "The PostgreSQL tests need a server. Install it with: sudo apt-get install -y postgresql" >&2
        exit 1
      fi
    fi
    mkdir -p "$dir"
    # The postgres user must reach DIR: a mktemp -d parent is private to us.
    if [ "$(id -u)" = 0 ]; then chmod a+x "$(dirname "$dir")"; chown postgres: "$dir"; fi
    as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    # A test cluster: nothing here needs to survive a power cut, so no fsync (unless 'durable').
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=300" \
      start >/dev/null
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  stop)
    if [ -d "$dir/data" ] && [ -n "$bin" ]; then as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start DIR [PORT] [durable] | stop DIR" >&2; exit 2 ;;
esac
