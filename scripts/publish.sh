#!/usr/bin/env bash
# Publishes the two executables, sshtunnel and sshtunneld, into OUT (default out/): out/sshtunnel/sshtunnel and
# out/sshtunneld/sshtunneld.
#
#   bash scripts/publish.sh              ReadyToRun (precompiled), framework-dependent: needs the .NET 10 runtime on
#                                        the target; the shipped form (bench/RESULTS.md has its figures)
#   bash scripts/publish.sh --aot        NativeAOT: one native file per program, no .NET runtime needed on the target.
#                                        Needs clang (or clang-14) and zlib1g-dev, and the NuGet packages
#                                        runtime.<rid>.Microsoft.DotNet.ILCompiler and
#                                        Microsoft.NETCore.App.Runtime.NativeAOT.<rid> (on nuget.org; this project's
#                                        build machine's package mirror lacks the second one: restore fails with NU1101)
#   OUT=/opt/sshtunnel RID=linux-arm64 bash scripts/publish.sh
#
# Why NativeAOT where it can be built: measured with the same code compiled for .NET 9 (whose NativeAOT packages the
# mirror has), sshtunneld starts at ~7 MiB RSS instead of ~40 MiB (ReadyToRun), holds ~34-39 MiB after 100 logins
# instead of ~73-80 MiB, spends ~1.7 ms of CPU per new connection instead of 2.6-3.6 ms, at the same iperf3 CPU per
# GiB; sshtunnel's connect+auth costs ~13 ms of CPU instead of ~125 ms, its idle -N RSS 12.5 instead of 49 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."

aot=0
for arg in "$@"; do
  case "$arg" in
    --aot|-a) aot=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "publish.sh: unknown argument '$arg' (use --aot, -a or nothing)" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-out}
RID=${RID:-linux-x64}

props=(-c Release -r "$RID" -v q -nologo)
if [ "$aot" = 1 ]; then
  # NativeAOT links with clang; Debian 12 installs it as clang-14 without a plain `clang` unless the clang package is in.
  cc=$(command -v clang || command -v clang-14 || true)
  [ -n "$cc" ] || { echo "publish.sh: --aot needs clang (apt-get install -y clang zlib1g-dev)" >&2; exit 1; }
  props+=(-p:PublishAot=true -p:PublishReadyToRun=false -p:CppCompilerAndLinker="$(basename "$cc")")
else
  props+=(--self-contained false -p:PublishReadyToRun=true)
fi

for project in Cli:sshtunnel Daemon:sshtunneld; do
  dir=src/SshTunnel.${project%%:*}
  name=${project##*:}
  echo "publish.sh: $name -> $OUT/$name ($([ "$aot" = 1 ] && echo NativeAOT || echo ReadyToRun), $RID)" >&2
  if ! dotnet publish "$dir" "${props[@]}" -o "$OUT/$name"; then
    [ "$aot" = 1 ] && echo "publish.sh: NativeAOT publish failed; if restore reported NU1101 for Microsoft.NETCore.App.Runtime.NativeAOT.$RID, the package source lacks the NativeAOT runtime pack: publish without --aot (ReadyToRun)" >&2
    exit 1
  fi
  [ -x "$OUT/$name/$name" ] || { echo "publish.sh: $OUT/$name/$name was not produced" >&2; exit 1; }
done
echo "publish.sh: done: $OUT/sshtunnel/sshtunnel, $OUT/sshtunneld/sshtunneld" >&2
