#!/usr/bin/env bash
# Issue 2 benchmark: sshtunnel (this repo's client) beside OpenSSH's ssh, both against the same
# throwaway OpenSSH sshd, driven by the shared harness ../shared/bench/bench.sh (see its BASELINE.md).
#
#   bench/run.sh                 build sshtunnel (Release), then REPS=3 of the -L tests + setup + crypto
#   REPS=1 bench/run.sh          quicker
#   NO_BUILD=1 bench/run.sh      use the existing Release build
#   R2R=1 bench/run.sh           also publish a ReadyToRun build into bench/out/r2r (gitignored) and run it as a
#                                third implementation, "sshtunnel_r2r" (e.g. R2R=1 TESTS=setup for start-up only);
#                                the ReadyToRun build is what `dotnet publish` ships (README), so compare setup with it
#
# With socks in TESTS, bench/socksrate.py then measures the -D new-connection rate (SOCKSRATE=0 skips it).
# Any bench.sh variable can be overridden from the environment (TESTS, CIPHERS, MAX_SECONDS, IPERF_T, ...).
# Results go to bench/results/<timestamp>/ (gitignored); bench/RESULTS.md is the committed summary.
set -euo pipefail

# shellcheck source=bench/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

for tool in iperf3 nginx wrk ab /usr/sbin/sshd curl python3; do
  command -v "$tool" >/dev/null || {
    echo "run.sh: '$tool' missing; install with: apt-get update && apt-get install -y openssh-server iperf3 nginx-light wrk apache2-utils curl python3" >&2
    exit 1
  }
done

CLI_DIR=$REPO/src/SshTunnel.Cli/bin/Release/net10.0
if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "run.sh: building sshtunnel (Release)" >&2
  dotnet build "$REPO/src/SshTunnel.Cli" -c Release -v q -nologo >&2
fi
SSHTUNNEL=$CLI_DIR/sshtunnel
[ -x "$SSHTUNNEL" ] || { echo "run.sh: $SSHTUNNEL not built" >&2; exit 1; }
IMPL_LIST="openssh sshtunnel"
if [ "${R2R:-0}" = 1 ]; then
  R2R_DIR=$HERE/out/r2r
  if [ "${NO_BUILD:-0}" != 1 ] || [ ! -x "$R2R_DIR/sshtunnel" ]; then
    echo "run.sh: publishing a ReadyToRun build into ${R2R_DIR#$REPO/}" >&2
    dotnet publish "$REPO/src/SshTunnel.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$R2R_DIR" -v q -nologo >&2
  fi
  export CLIENT_SSH_sshtunnel_r2r="$R2R_DIR/sshtunnel"
  IMPL_LIST="$IMPL_LIST sshtunnel_r2r"
fi

AES=aes128-gcm@openssh.com
CHACHA=chacha20-poly1305@openssh.com
STAMP=$(date +%Y%m%d-%H%M%S)

export IMPLS=${IMPLS:-$IMPL_LIST}
export CLIENT_SSH_sshtunnel="$SSHTUNNEL"
# -L, -D (socks) and -R (rfwd); 'par' is iperf3 -P 4 through the same -L forward.
export TESTS=${TESTS:-raw lfwd par curl http latency socks rfwd setup crypto}
# aes128-gcm first: the sequential ab -c 1 test runs only for the first SMALL_CIPHERS entry.
export CIPHERS=${CIPHERS:-$AES $CHACHA}
export MAIN_CIPHERS=${MAIN_CIPHERS:-$AES $CHACHA}
export SMALL_CIPHERS=${SMALL_CIPHERS:-$AES $CHACHA}
export REPS=${REPS:-3}
export MAX_SECONDS=${MAX_SECONDS:-900}
export RESULTS_DIR=${RESULTS_DIR:-$HERE/results/$STAMP}

cd "$HARNESS_DIR"
rc=0
bash "$HARNESS" || rc=$?
if [ -s "$RESULTS_DIR/raw.tsv" ]; then
  python3 "$HERE/ratios.py" "$RESULTS_DIR/raw.tsv" >"$RESULTS_DIR/ratios.md" || true
  echo "run.sh: summary in ${RESULTS_DIR#$REPO/}/summary.md, side by side with ratios in ratios.md" >&2
fi
# -D new-connection rate (issue 4; the harness has no ab-like test through SOCKS): bench/socksrate.py, same clients,
# against its own throwaway sshd. SOCKSRATE=0 skips it; SOCKSRATE_ARGS is passed on (see its --help).
if [ "${SOCKSRATE:-1}" = 1 ] && [[ " $TESTS " == *" socks "* ]]; then
  sr_impls=(--impl "openssh=ssh" --impl "sshtunnel=$SSHTUNNEL")
  [ -n "${CLIENT_SSH_sshtunnel_r2r:-}" ] && sr_impls+=(--impl "sshtunnel_r2r=$CLIENT_SSH_sshtunnel_r2r")
  # shellcheck disable=SC2086
  python3 "$HERE/socksrate.py" --gateway-sh "$HARNESS_DIR/gateway.sh" "${sr_impls[@]}" --out "$RESULTS_DIR/socksrate.md" \
    ${SOCKSRATE_ARGS:-} || rc=$?
fi
exit $rc
