#!/usr/bin/env bash
# Issue 3 new-connection rate: OpenSSH's sshd beside sshtunneld, one run, same load generator (connrate, this
# folder), same keys, same MaxStartups 200:30:400, both on 127.0.0.1. The load generator opens connections with K in
# flight (kex curve25519-sha256, ssh-ed25519 host key, publickey ed25519, one direct-tcpip channel to a listener that
# closes at once, DISCONNECT) and measures the servers interleaved, round after round.
#
# Modes (MODES, default "pinned unpinned"):
#   pinned    load generator on CPU 0 (taskset -c 0), both servers' process trees on CPU 1 (taskset -a -p -c 1), so
#             the server is the bottleneck for both (check "server cores" ~1.0)
#   unpinned  everything on both CPUs
#
#   bench/connrate/run.sh                       publish sshtunneld (ReadyToRun, as shipped) + build connrate, run
#   NO_BUILD=1 bench/connrate/run.sh            reuse bench/connrate/out/
#   CONCURRENCY=8 SECONDS_PER_CELL=4 ROUNDS=3 WARMUP=5000 WARMUP_SECONDS=5 WORK=direct-tcpip|none
#
# Each load-generator run is bounded (cells of at most SECONDS_PER_CELL s, the whole run at most 55 s).
# Results: bench/results/connrate-<timestamp>/ (summary.md, cells.tsv, server logs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
if [ -z "${HARNESS_DIR:-}" ]; then
  d=$REPO
  while [ "$d" != / ]; do
    d=$(dirname "$d")
    [ -f "$d/shared/bench/gateway.sh" ] && { HARNESS_DIR=$d/shared/bench; break; }
  done
fi
GATEWAY_SH=${HARNESS_DIR:-}/gateway.sh
[ -f "$GATEWAY_SH" ] || { echo "run.sh: shared/bench/gateway.sh not found (set HARNESS_DIR)" >&2; exit 1; }
for tool in /usr/sbin/sshd ssh-keygen taskset python3 dotnet; do
  command -v "$tool" >/dev/null || { echo "run.sh: '$tool' missing (apt-get install -y openssh-server util-linux python3)" >&2; exit 1; }
done

OUT=$HERE/out
if [ "${NO_BUILD:-0}" != 1 ] || [ ! -x "$OUT/sshtunneld/sshtunneld" ] || [ ! -f "$OUT/connrate/connrate.dll" ]; then
  echo "run.sh: publishing sshtunneld (ReadyToRun) and building connrate into ${OUT#"$REPO"/}" >&2
  dotnet publish "$REPO/src/SshTunnel.Daemon" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$OUT/sshtunneld" -v q -nologo >&2
  dotnet publish "$HERE/ConnRate.csproj" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$OUT/connrate" -v q -nologo >&2
fi

STAMP=$(date +%Y%m%d-%H%M%S)
RES=${RESULTS_DIR:-$REPO/bench/results/connrate-$STAMP}
mkdir -p "$RES"

free_port() {  # first free port from $1
  python3 - "$1" <<'PY'
import socket, sys
p = int(sys.argv[1])
for port in range(p, p + 100):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port)); print(port); break
        except OSError:
            pass
PY
}
wait_listen() {  # PORT
  python3 - "$1" <<'PY'
import socket, sys, time
end = time.monotonic() + 30
while time.monotonic() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close(); sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

SSHD_PORT=$(free_port 22700)
eval "$(bash "$GATEWAY_SH" start "$SSHD_PORT" 2>/dev/null | grep -E '^(GATEWAY_DIR|GATEWAY_PORT|SSH_KEY)=')"
SSHD_PID=$(cat "$GATEWAY_DIR/listener.pid")
GW_PID=
cleanup() {
  if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
    kill -TERM "$GW_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GW_PID" 2>/dev/null || true
  fi
  cp "$GATEWAY_DIR/sshd.log" "$RES/sshd.log" 2>/dev/null || true
  bash "$GATEWAY_SH" stop "$GATEWAY_DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT

GW_PORT=$(free_port $((SSHD_PORT + 1)))
# Same limits as gateway.sh's sshd_config (MaxStartups 200:30:400, MaxSessions 200), no system config, foreground,
# log to stderr (INFO, like sshd -D -e).
setsid "$OUT/sshtunneld/sshtunneld" -D -e -f /dev/null -p "$GW_PORT" -h "$GATEWAY_DIR/host_ed25519_key" \
  -o ListenAddress=127.0.0.1 -o AuthorizedKeysFile="$GATEWAY_DIR/authorized_keys" -o PermitRootLogin=prohibit-password \
  -o MaxStartups=200:30:400 -o MaxSessions=200 </dev/null >"$RES/sshtunneld.log" 2>&1 &
GW_PID=$!
wait_listen "$GW_PORT" || { echo "run.sh: sshtunneld did not start" >&2; cat "$RES/sshtunneld.log" >&2; exit 1; }

{
  echo "# connrate $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$(/usr/sbin/sshd -V 2>&1 | head -1); sshtunneld $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo +dirty); $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
} >"$RES/summary.md"

rc=0
for mode in ${MODES:-pinned unpinned}; do
  case $mode in
    pinned)   srv=1;   cli=(taskset -c 0) ;;
    unpinned) srv=0-1; cli=() ;;
    *) echo "run.sh: unknown mode $mode" >&2; exit 2 ;;
  esac
  taskset -a -p -c "$srv" "$SSHD_PID" >/dev/null
  taskset -a -p -c "$srv" "$GW_PID" >/dev/null
  "${cli[@]}" dotnet "$OUT/connrate/connrate.dll" \
    --target "sshd=$SSHD_PORT:$SSHD_PID" --target "sshtunneld=$GW_PORT:$GW_PID" \
    --key "$SSH_KEY" --host-key-pub "$GATEWAY_DIR/host_ed25519_key.pub" --user "$(id -un)" \
    --concurrency "${CONCURRENCY:-8}" --seconds "${SECONDS_PER_CELL:-4}" --rounds "${ROUNDS:-3}" --warmup "${WARMUP:-5000}" --warmup-seconds "${WARMUP_SECONDS:-5}" \
    --work "${WORK:-direct-tcpip}" --label "$mode" --tsv "$RES/cells.tsv" --max-seconds 55 \
    >>"$RES/summary.md" 2> >(tee -a "$RES/cells.log" >&2) || rc=$?
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/summary.md"
cat "$RES/summary.md"
echo "run.sh: results in ${RES#"$REPO"/}" >&2
exit $rc
