#!/usr/bin/env python3
"""Issue 4: -D (SOCKS5) new-connection rate, clients side by side against one throwaway OpenSSH sshd.

Each request is a new TCP connection to the client's -D port: SOCKS5 no-auth greeting, CONNECT 127.0.0.1:NGINX
(IPv4 address form), `GET /1k.bin HTTP/1.0`, read the 1 KiB response to EOF; so one new direct-tcpip channel per
request, as `ab` does through -L in the shared harness. nginx (1 worker, 1 KiB file on tmpfs) is the target.
Sequential (--n-seq, like ab -c 1) and with --par concurrent loops (--n-par in total, like ab -c 50).
Implementations are interleaved per round (order alternates). Reported: req/s, client CPU-µs per request,
gateway (sshd tree) CPU-µs per request and the foreign CPU on the box. Bounded in count and by --max-seconds.

    bench/socksrate.py --gateway-sh ../shared/bench/gateway.sh --impl openssh=ssh --impl sshtunnel=/path/sshtunnel --out X.md
"""
import argparse
import getpass
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gwextra import box_busy, free_port, tree_cpu, wait_listen  # noqa: E402


def start_nginx(port):
    d = tempfile.mkdtemp(prefix="socksrate.", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    os.chmod(d, 0o755)  # nginx's worker runs as an unprivileged user
    os.makedirs(os.path.join(d, "www"))
    with open(os.path.join(d, "www", "1k.bin"), "wb") as f:
        f.write(os.urandom(1024))
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(f"""worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp; uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  server {{ listen 127.0.0.1:{port}; root {d}/www; }}
}}
""")
    p = subprocess.Popen(["nginx", "-e", f"{d}/error.log", "-p", d, "-c", f"{d}/nginx.conf", "-g", "daemon off;"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    if not wait_listen(port, 10):
        p.terminate()
        raise SystemExit("nginx did not start")
    return p, d


def socks_get(dport, target_port, timeout=20.0):
    with socket.create_connection(("127.0.0.1", dport), timeout=timeout) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"\x05\x01\x00")
        if recv_exact(s, 2) != b"\x05\x00":
            return False
        s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", target_port))
        reply = recv_exact(s, 10)
        if len(reply) != 10 or reply[1] != 0:
            return False
        s.sendall(b"GET /1k.bin HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data.startswith(b"HTTP/1.1 200") and len(data) > 1024


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def rate(client_pid, gw_pid, dport, target_port, n, par, deadline):
    c = {"next": 0, "ok": 0, "fail": 0}
    lock = threading.Lock()

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if c["next"] >= n:
                    return
                c["next"] += 1
            try:
                ok = socks_get(dport, target_port)
            except OSError:
                ok = False
            with lock:
                c["ok" if ok else "fail"] += 1

    cc0, g0, b0, m0 = tree_cpu(client_pid), tree_cpu(gw_pid), box_busy(), os.times()
    w0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(par)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - w0
    cc1, g1, b1, m1 = tree_cpu(client_pid), tree_cpu(gw_pid), box_busy(), os.times()
    ok = max(c["ok"], 1)
    me = (m1.user + m1.system) - (m0.user + m0.system)
    return {"ok": c["ok"], "fail": c["fail"], "wall": wall, "rate": c["ok"] / wall,
            "client_us": 1e6 * (cc1 - cc0) / ok, "gw_us": 1e6 * (g1 - g0) / ok,
            "foreign": max(0.0, (b1 - b0) - (cc1 - cc0) - (g1 - g0) - me) / wall}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gateway-sh", required=True)
    ap.add_argument("--impl", action="append", required=True, help="NAME=client command (word-split)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--cipher", default="aes128-gcm@openssh.com")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n-seq", type=int, default=100)
    ap.add_argument("--n-par", type=int, default=1000)
    ap.add_argument("--par", type=int, default=16)
    ap.add_argument("--port-base", type=int, default=22960)
    ap.add_argument("--max-seconds", type=float, default=300)
    args = ap.parse_args()
    deadline = time.monotonic() + args.max_seconds
    impls = [tuple(x.split("=", 1)) for x in args.impl]

    gw_port = free_port(args.port_base)
    out = subprocess.run(["bash", args.gateway_sh, "start", str(gw_port)], check=True, capture_output=True, text=True).stdout
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and not line.startswith("#"))
    gdir = env["GATEWAY_DIR"]
    with open(os.path.join(gdir, "listener.pid")) as f:
        gw_pid = int(f.read().strip())
    nginx_port = free_port(gw_port + 1)
    nginx, ndir = start_nginx(nginx_port)
    clients = {}
    lines = []

    def say(text):
        print(text, file=sys.stderr, flush=True)
        lines.append(text)

    try:
        port = nginx_port + 1
        for name, cmd in impls:
            dport = free_port(port)
            port = dport + 1
            argv = cmd.split() + ["-F", "none", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                                  "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ExitOnForwardFailure=yes",
                                  "-o", "IdentitiesOnly=yes", "-i", env["SSH_KEY"], "-p", str(gw_port), "-c", args.cipher,
                                  "-D", f"127.0.0.1:{dport}", "-N", f"{getpass.getuser()}@127.0.0.1"]
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            clients[name] = (p, dport)
            if not wait_listen(dport, 30):
                raise SystemExit(f"{name}: -D listener did not come up")
            for _ in range(20):  # warm-up
                socks_get(dport, nginx_port)
        results = {name: {"seq": [], "par": []} for name, _ in impls}
        for rnd in range(args.rounds):
            order = impls if rnd % 2 == 0 else impls[::-1]
            for mode, n, par in (("seq", args.n_seq, 1), ("par", args.n_par, args.par)):
                for name, _ in order:
                    if time.monotonic() > deadline - 30:
                        say(f"round {rnd + 1} {mode} {name}: skipped (time budget)")
                        continue
                    p, dport = clients[name]
                    r = rate(p.pid, gw_pid, dport, nginx_port, n, par, deadline)
                    results[name][mode].append(r)
                    say(f"round {rnd + 1} {mode} x{par} {name}: {r['ok']} ok {r['fail']} failed in {r['wall']:.2f} s = {r['rate']:.1f} req/s; "
                        f"client {r['client_us']:.0f} CPU-us/req, sshd {r['gw_us']:.0f} CPU-us/req, foreign {r['foreign']:.2f} cores")
        ref = impls[0][0]
        with open(args.out, "w") as f:
            f.write(f"# socksrate: -D new connection per request (SOCKS5 CONNECT + GET 1 KiB), cipher {args.cipher}\n\n")
            f.write(f"| client | mode | req/s median (min-max) | ratio to {ref} (median of per-round ratios) | client CPU-µs/req | sshd CPU-µs/req | foreign cores | failures |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
            for name, _ in impls:
                for mode in ("seq", "par"):
                    rs = results[name][mode]
                    if not rs:
                        continue
                    rates = [r["rate"] for r in rs]
                    refs = results[ref][mode]
                    ratios = [a["rate"] / b["rate"] for a, b in zip(rs, refs) if b["rate"] > 0]
                    f.write(f"| {name} | {mode} x{1 if mode == 'seq' else args.par} | {statistics.median(rates):.1f} ({min(rates):.1f}-{max(rates):.1f}) | "
                            f"{statistics.median(ratios):.2f} | {statistics.median(r['client_us'] for r in rs):.0f} | "
                            f"{statistics.median(r['gw_us'] for r in rs):.0f} | {statistics.median(r['foreign'] for r in rs):.2f} | {sum(r['fail'] for r in rs)} |\n")
            f.write("\n```\n" + "\n".join(lines) + "\n```\n")
    finally:
        for p, _ in clients.values():
            p.send_signal(signal.SIGTERM)
        for p, _ in clients.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        nginx.send_signal(signal.SIGQUIT)
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
            nginx.wait()
        shutil.rmtree(ndir, ignore_errors=True)
        subprocess.run(["bash", args.gateway_sh, "stop", gdir], check=False)


if __name__ == "__main__":
    main()
