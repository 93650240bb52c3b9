#!/usr/bin/env bash
# Start or stop a private redis-server for distributed crawls (scrapy-redis frontier):
# bound to 127.0.0.1 on a free port, data in a temporary folder, no persistence.
#
#   eval "$(scripts/redis.sh start)"   # sets LINKPROV_REDIS_URL, LINKPROV_REDIS_DIR
#   scrapy crawl seeds ... -a redis="$LINKPROV_REDIS_URL" -a job=run1 -a out=out1 &
#   scripts/redis.sh stop "$LINKPROV_REDIS_DIR"
set -euo pipefail
cmd=${1:-}
case "$cmd" in
  start)
    command -v redis-server >/dev/null 2>&1 || {
      echo "redis.sh: redis-server is missing: install Debian's redis-server (scripts/setup.sh does)" >&2; exit 1; }
    dir=$(mktemp -d "${TMPDIR:-/tmp}/linkprov-redis.XXXXXX")
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 50); do
      redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 || { echo "redis.sh: redis-server did not start; see $dir/redis.log" >&2; exit 1; }
    echo "export LINKPROV_REDIS_URL=redis://127.0.0.1:$port/0 LINKPROV_REDIS_DIR=$dir"
    ;;
  stop)
    dir=${2:-${LINKPROV_REDIS_DIR:-}}
    [ -n "$dir" ] && [ -f "$dir/redis.pid" ] || { echo "usage: scripts/redis.sh stop DIR (the LINKPROV_REDIS_DIR of start)" >&2; exit 2; }
    kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [ -f "$dir/redis.pid" ] || break; sleep 0.1; done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: scripts/redis.sh start | stop DIR" >&2; exit 2 ;;
esac
