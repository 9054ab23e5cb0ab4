#!/usr/bin/env bash
# Runs every test (unit, in-memory, loopback and OpenSSH interop) and prints "Tests: N passed, N failed".
# Interop tests need OpenSSH's sshd/ssh (apt-get install -y openssh-server); without them they are skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
mkdir -p /run/sshd 2>/dev/null || true

dotnet build SshTunnel.slnx -c Debug -v q -nologo || { echo "Tests: 0 passed, 1 failed"; exit 1; }
dotnet test SshTunnel.slnx --no-build -c Debug -nologo --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx "$results"/**/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a crash or build failure counts
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
