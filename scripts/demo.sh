#!/usr/bin/env bash
# The classic local-forwarding scenario on this machine, with nothing external:
#   laptop --(sshtunnel -N -L 8080:server2:80)--> gateway (Server1) --> internal web server (Server2)
# The gateway is a throwaway OpenSSH sshd on loopback with its own temporary keys; Server2 is a small web
# service on loopback. The page is fetched through the tunnel and printed.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/sshtunnel-demo.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

command -v /usr/sbin/sshd >/dev/null || { echo "needs OpenSSH's sshd: apt-get install -y openssh-server"; exit 1; }
say "Building sshtunnel"
dotnet build src/SshTunnel.Cli -c Release -v q -nologo >/dev/null
SSHTUNNEL="dotnet src/SshTunnel.Cli/bin/Release/net10.0/sshtunnel.dll"

say "Starting Server2: an internal web service on 127.0.0.1"
web_port=$(free_port)
mkdir -p "$work/www"
echo "<h1>Hello from Server2, the internal web server</h1><p>reached through an SSH tunnel.</p>" > "$work/www/index.html"
python3 -m http.server "$web_port" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
pids+=($!)

say "Starting Server1: a throwaway OpenSSH gateway on 127.0.0.1 (temporary host and user keys)"
ssh-keygen -q -t ed25519 -N "" -f "$work/host_key"
ssh-keygen -q -t ed25519 -N "" -C demo -f "$work/id_ed25519"
cp "$work/id_ed25519.pub" "$work/authorized_keys"
gw_port=$(free_port)
cat > "$work/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $gw_port
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
PidFile $work/sshd.pid
CFG
mkdir -p /run/sshd 2>/dev/null || true
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "Server listening" "$work/sshd.log" 2>/dev/null && break; sleep 0.05; done

local_port=$(free_port)
say "sshtunnel -N -L 127.0.0.1:$local_port:127.0.0.1:$web_port -p $gw_port -i id_ed25519 $(id -un)@127.0.0.1"
$SSHTUNNEL -v -N -L "127.0.0.1:$local_port:127.0.0.1:$web_port" -p "$gw_port" -i "$work/id_ed25519" -F none \
  -o UserKnownHostsFile="$work/known_hosts" -o StrictHostKeyChecking=accept-new "$(id -un)@127.0.0.1" 2>"$work/tunnel.log" &
pids+=($!)
for _ in $(seq 300); do grep -q "Local connections to" "$work/tunnel.log" 2>/dev/null && break; sleep 0.05; done
grep -v '^debug1' "$work/tunnel.log" || true

say "curl http://127.0.0.1:$local_port/ (through the tunnel)"
curl -sS "http://127.0.0.1:$local_port/"
say "Done: the page of the internal server came through the tunnel."
