#!/usr/bin/env bash
# Makes sure Redis answers on 127.0.0.1:6379, starting it as DEVELOPERS.md says, so tests that
# need Redis always run in CI. Bounded: gives up after 15 s of waiting.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server not installed: installing Debian's package"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) || { echo "could not install redis-server" >&2; exit 1; }
fi
ping_redis() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ping_redis; then
  echo "Redis answers"
  exit 0
fi
echo "Redis does not answer: starting it"
redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
for _ in $(seq 1 30); do
  if ping_redis; then
    echo "Redis answers"
    exit 0
  fi
  sleep 0.5
done
echo "Redis did not start on 127.0.0.1:6379" >&2
exit 1
