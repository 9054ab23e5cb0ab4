# Sourced by bench/run.sh and bench/run-gateway.sh: sets HERE, REPO and HARNESS/HARNESS_DIR (the shared harness).
# The harness lives in shared/ beside the repository checkout (../shared/bench from the repo root); a git worktree
# nested deeper (e.g. wt/<name>) finds it in the nearest ancestor that has shared/bench.
HERE=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
if [ -z "${HARNESS_DIR:-}" ]; then
  d=$REPO
  while [ "$d" != / ]; do
    d=$(dirname "$d")
    [ -f "$d/shared/bench/bench.sh" ] && { HARNESS_DIR=$d/shared/bench; break; }
  done
fi
HARNESS=${HARNESS_DIR:-$REPO/../shared/bench}/bench.sh
[ -f "$HARNESS" ] || { echo "$(basename "${BASH_SOURCE[1]}"): harness not found at $HARNESS (set HARNESS_DIR)" >&2; exit 1; }
HARNESS_DIR=$(dirname "$HARNESS")
