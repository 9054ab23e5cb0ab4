#!/usr/bin/env bash
# Where sshtunneld's CPU per new connection goes: perf samples of the published sshtunneld (perf map enabled) while
# connrate drives it alone. Needs a prior run.sh build (bench/connrate/out/). Loopback only, bounded in time.
#   bench/connrate/profile.sh [SECONDS]      (default 8) -> bench/results/connprof-<timestamp>/{report.txt,perf.data}
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$HERE/out
SECS=${1:-8}
RES=$REPO/bench/results/connprof-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RES"
D=$RES/keys
mkdir -p "$D"
ssh-keygen -q -t ed25519 -N '' -f "$D/host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -f "$D/client_ed25519"
cp "$D/client_ed25519.pub" "$D/authorized_keys"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env DOTNET_PerfMapEnabled=${PERFMAP:-1} ${SERVER_ENV:-} setsid "$OUT/sshtunneld/sshtunneld" -D -e -f /dev/null -p "$PORT" -h "$D/host_ed25519_key" \
  -o ListenAddress=127.0.0.1 -o AuthorizedKeysFile="$D/authorized_keys" -o PermitRootLogin=prohibit-password \
  -o MaxStartups=200:30:400 </dev/null >"$RES/sshtunneld.log" 2>&1 &
GW=$!
trap 'kill -TERM $GW 2>/dev/null || true' EXIT
sleep 1
LOAD=(dotnet "$OUT/connrate/connrate.dll" --target "sshtunneld=$PORT:$GW" --key "$D/client_ed25519" --host-key-pub "$D/host_ed25519_key.pub"
  --user "$(id -un)" --concurrency "${CONCURRENCY:-8}" --work "${WORK:-direct-tcpip}" --label profile)
"${LOAD[@]}" --warmup "${WARMUP:-1500}" --rounds 1 --seconds 1 >/dev/null
"${LOAD[@]}" --warmup 1 --rounds 1 --seconds "$SECS" --count 100000 >"$RES/rate.md" &
LG=$!
sleep 1
perf record -F 1999 -g -p "$GW" -o "$RES/perf.data" -- sleep $((SECS - 2)) 2>/dev/null
wait $LG || true
perf report -i "$RES/perf.data" --no-children --sort dso,sym --percent-limit 0.4 --stdio 2>/dev/null | grep -v '^$' | grep -E '^ +[0-9]' >"$RES/report.txt" || true
perf report -i "$RES/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' >"$RES/dso.txt" || true
cat "$RES/rate.md" "$RES/dso.txt"; head -60 "$RES/report.txt"
echo "profile.sh: $RES" >&2
