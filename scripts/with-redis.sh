#!/usr/bin/env bash
# Run a command against a throwaway Redis server: a redis-server on a free
# loopback port with a temporary directory and no persistence, REDIS_URL
# exported for the command, and everything removed afterwards, whatever the
# outcome. Usage: scripts/with-redis.sh COMMAND [ARGS…]
set -euo pipefail

server=$(command -v redis-server || true)
if [ -z "$server" ]; then
  echo "redis-server not found (apt-get install redis-server, or make system-deps)" >&2
  exit 1
fi

tmp=$(mktemp -d /tmp/forum-redis.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  if [ -f "$tmp/redis.pid" ]; then kill "$(cat "$tmp/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$server" --bind 127.0.0.1 --port "$port" --dir "$tmp" --save "" --appendonly no \
  --daemonize yes --pidfile "$tmp/redis.pid" --logfile "$tmp/server.log"
# Ready when it answers PING (redis-cli comes with redis-server).
for _ in $(seq 1 100); do
  if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then break; fi
  sleep 0.05
done
redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null || { cat "$tmp/server.log" >&2; exit 1; }

export REDIS_URL="redis://127.0.0.1:$port/0"
echo "Redis $("$server" --version | awk '{print $3}' | sed 's/v=//') on port $port"
set +e
"$@"
status=$?
set -e
exit $status
