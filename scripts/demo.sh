#!/usr/bin/env bash
# The three tunnel kinds of the classic OpenSSH guides, on this machine with nothing external:
#   Server1 = sshtunneld, the gateway, on 127.0.0.1 (its host key is created on first start)
#   Server2 = an internal web service on 127.0.0.1, known to the gateway as "server2"... reached by address here
#   -L  the laptop reaches Server2's page through the gateway       (sshtunnel -N -L 8080:server2:80 gw)
#   -R  a prototype on the laptop is published on the gateway's port (sshtunnel -N -R 9000:localhost:3000 gw)
#   -D  a SOCKS proxy whose connections leave from the gateway, names resolved there (curl --socks5-hostname)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/sshtunnel-demo.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { for _ in $(seq 400); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "timed out waiting for '$2' in $1"; cat "$1"; return 1; }
web() { mkdir -p "$work/$1"; echo "$2" > "$work/$1/index.html"; python3 -m http.server "$3" --bind 127.0.0.1 --directory "$work/$1" >/dev/null 2>&1 & pids+=($!); }

say "Building sshtunnel and sshtunneld (Release)"
dotnet build src/SshTunnel.Cli -c Release -v q -nologo >/dev/null
dotnet build src/SshTunnel.Daemon -c Release -v q -nologo >/dev/null
SSHTUNNEL="dotnet src/SshTunnel.Cli/bin/Release/net10.0/sshtunnel.dll"
SSHTUNNELD="dotnet src/SshTunnel.Daemon/bin/Release/net10.0/sshtunneld.dll"
user=$(id -un)

server2_port=$(free_port)
say "Server2, the internal web server, on 127.0.0.1:$server2_port"
web server2 "<h1>Server2: the internal web server</h1>" "$server2_port"

say "Server1, the gateway: sshtunneld -D -e -p PORT -o AuthorizedKeysFile=..."
ssh-keygen -q -t ed25519 -N "" -C demo -f "$work/id_ed25519"
cp "$work/id_ed25519.pub" "$work/authorized_keys"
gw_port=$(free_port)
STATE_DIRECTORY="$work/state" $SSHTUNNELD -D -e -p "$gw_port" -o ListenAddress=127.0.0.1 \
  -o AuthorizedKeysFile="$work/authorized_keys" -o GatewayPorts=clientspecified 2>"$work/gateway.log" &
pids+=($!)
wait_for "$work/gateway.log" "Server listening"
grep -v '^debug' "$work/gateway.log" | sed 's/^/    gateway: /'

common=(-F none -i "$work/id_ed25519" -p "$gw_port" -o UserKnownHostsFile="$work/known_hosts" -o StrictHostKeyChecking=accept-new -o ExitOnForwardFailure=yes)

lport=$(free_port)
say "-L: sshtunnel -N -L $lport:127.0.0.1:$server2_port $user@gateway   (the laptop reaches Server2)"
$SSHTUNNEL -v -N -L "127.0.0.1:$lport:127.0.0.1:$server2_port" "${common[@]}" "$user@127.0.0.1" 2>"$work/l.log" & pids+=($!)
wait_for "$work/l.log" "Local connections to"
grep -v '^debug1' "$work/l.log" | sed 's/^/    sshtunnel: /' || true
echo "    curl http://127.0.0.1:$lport/  ->  $(curl -sS "http://127.0.0.1:$lport/")"

proto_port=$(free_port); rport=$(free_port)
say "-R: sshtunnel -N -R $rport:127.0.0.1:$proto_port $user@gateway   (a prototype on the laptop, published on the gateway)"
web prototype "<h1>The prototype running on the laptop</h1>" "$proto_port"
$SSHTUNNEL -v -N -R "$rport:127.0.0.1:$proto_port" "${common[@]}" "$user@127.0.0.1" 2>"$work/r.log" & pids+=($!)
wait_for "$work/r.log" "remote forward success"
echo "    curl http://gateway:$rport/ (the gateway's port)  ->  $(curl -sS "http://127.0.0.1:$rport/")"

dport=$(free_port)
say "-D: sshtunnel -N -D $dport $user@gateway   (SOCKS; the name 'localhost' is resolved by the gateway, not here)"
$SSHTUNNEL -v -N -D "127.0.0.1:$dport" "${common[@]}" "$user@127.0.0.1" 2>"$work/d.log" & pids+=($!)
wait_for "$work/d.log" "Local connections to"
echo "    curl --socks5-hostname 127.0.0.1:$dport http://localhost:$server2_port/  ->  $(curl -sS --socks5-hostname "127.0.0.1:$dport" "http://localhost:$server2_port/")"

say "What the gateway logged"
grep -v '^debug' "$work/gateway.log" | tail -n 12 | sed 's/^/    /'
say "Done: -L, -R and -D all passed through sshtunneld."
