#!/usr/bin/env bash
# Issue 3 benchmark: OpenSSH's ssh against sshtunneld (this repo's gateway) beside ssh against OpenSSH's sshd, one
# run, interleaved per rep, through the shared harness ../shared/bench/bench.sh (see its BASELINE.md); then the
# two measurements the harness does not take (bench/gwextra.py): new SSH connections per second the gateway
# accepts (sequential and concurrent) and memory per idle authenticated session.
#
#   bench/run-gateway.sh                 publish sshtunneld (ReadyToRun, as shipped), harness REPS=2, then gwextra
#   NO_BUILD=1 bench/run-gateway.sh      use the existing publish in bench/out/sshtunneld
#   SKIP_HARNESS=1 / SKIP_EXTRA=1        run only one of the two parts
#   EXTRA_ARGS="--rounds 3 --n-seq 100"  passed to gwextra.py (see its --help)
#
# Any bench.sh variable can be overridden from the environment (TESTS, CIPHERS, REPS, MAX_SECONDS, ...).
# Results go to bench/results/gw-<timestamp>/ (gitignored); bench/RESULTS.md is the committed summary.
set -euo pipefail

# shellcheck source=bench/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

for tool in iperf3 nginx wrk ab /usr/sbin/sshd curl python3 ssh; do
  command -v "$tool" >/dev/null || {
    echo "run-gateway.sh: '$tool' missing; install with: apt-get update && apt-get install -y openssh-server iperf3 nginx-light wrk apache2-utils curl python3" >&2
    exit 1
  }
done

GW_DIR_OUT=$HERE/out/sshtunneld
if [ "${NO_BUILD:-0}" != 1 ] || [ ! -x "$GW_DIR_OUT/sshtunneld" ]; then
  echo "run-gateway.sh: publishing sshtunneld (ReadyToRun) into ${GW_DIR_OUT#$REPO/}" >&2
  dotnet publish "$REPO/src/SshTunnel.Daemon" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$GW_DIR_OUT" -v q -nologo >&2
fi
SSHTUNNELD=$GW_DIR_OUT/sshtunneld
[ -x "$SSHTUNNELD" ] || { echo "run-gateway.sh: $SSHTUNNELD not built" >&2; exit 1; }

AES=aes128-gcm@openssh.com
CHACHA=chacha20-poly1305@openssh.com
STAMP=$(date +%Y%m%d-%H%M%S)
export RESULTS_DIR=${RESULTS_DIR:-$HERE/results/gw-$STAMP}
mkdir -p "$RESULTS_DIR"

# sshtunneld gets the same limits as the harness's sshd_config (MaxStartups 200:30:400, MaxSessions 200), reads no
# system config (-f /dev/null) and runs in the foreground logging to stderr (-D -e), like `sshd -D -e`.
# (The harness runs GATEWAY_START with bash -c, so the $BENCH_* references are expanded there.)
# shellcheck disable=SC2016
GW_OPTS='-D -e -f /dev/null -p $BENCH_GATEWAY_PORT -h $BENCH_HOST_KEY -o ListenAddress=127.0.0.1 -o AuthorizedKeysFile=$BENCH_AUTHORIZED_KEYS -o GatewayPorts=clientspecified -o PermitRootLogin=prohibit-password -o MaxStartups=200:30:400 -o MaxSessions=200'

rc=0
if [ "${SKIP_HARNESS:-0}" != 1 ]; then
  export IMPLS=${IMPLS:-openssh sshtunneld}
  export GATEWAY_START_sshtunneld="exec $SSHTUNNELD $GW_OPTS"
  # CLIENT_SSH stays `ssh` for both: only the gateway differs.
  export TESTS=${TESTS:-raw lfwd curl http latency socks rfwd setup}
  # chacha20-poly1305 is OpenSSH's default cipher; aes128-gcm the fastest.
  export CIPHERS=${CIPHERS:-$CHACHA $AES}
  export MAIN_CIPHERS=${MAIN_CIPHERS:-$CHACHA $AES}
  export SMALL_CIPHERS=${SMALL_CIPHERS:-$CHACHA $AES}
  # sshtunneld offers curve25519 only, so the default-kex setup row would compare sntrup761 with curve25519.
  export SETUP_KEX=${SETUP_KEX:-curve25519-sha256}
  export REPS=${REPS:-2}
  export MAX_SECONDS=${MAX_SECONDS:-900}
  (cd "$HARNESS_DIR" && bash "$HARNESS") || rc=$?
  if [ -s "$RESULTS_DIR/raw.tsv" ]; then
    python3 "$HERE/ratios.py" "$RESULTS_DIR/raw.tsv" >"$RESULTS_DIR/ratios.md" || true
  fi
fi

if [ "${SKIP_EXTRA:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  python3 "$HERE/gwextra.py" --sshtunneld "$SSHTUNNELD" --gateway-sh "$HARNESS_DIR/gateway.sh" \
    --out "$RESULTS_DIR/gwextra.md" ${EXTRA_ARGS:-} || rc=$?
fi
echo "run-gateway.sh: results in ${RESULTS_DIR#$REPO/}" >&2
exit $rc
