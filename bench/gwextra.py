#!/usr/bin/env python3
"""Issue 3 measurements the shared harness does not take, OpenSSH sshd beside sshtunneld, same keys, same client:

1. New SSH connections per second the gateway accepts. Each connection is one full OpenSSH `ssh` run:
   TCP connect, version exchange, kex (curve25519-sha256 for both: sshtunneld offers no sntrup761), ed25519 host
   key, publickey auth (ed25519), then `-W 127.0.0.1:TARGET` (one direct-tcpip channel, i.e. the gateway's job)
   to a local listener that closes at once, stdin at EOF, so ssh exits when the channel closes. The same work for
   both gateways; no shell is started on either (an exec of `true` would start a shell on sshd but is refused by
   sshtunneld, so it is not comparable). Sequential (--n-seq) and with --par concurrent loops (--n-par in total).
   Reported: connections/s (wall), gateway CPU per connection (listener + all descendants, reaped children
   included), client (ssh) CPU per connection, and the foreign CPU on the box during the test.
2. Memory per idle authenticated session: --sessions `ssh -N` sessions held open to one gateway (each confirmed
   authenticated through LocalCommand, which ssh runs after login), then the gateway tree's summed VmRSS and Pss
   minus the same figures before, divided by the number of sessions; sshd's per-session processes are also listed.

Every loop is bounded in count and by --max-seconds; loopback only; processes started here are stopped by PID.

    bench/gwextra.py --sshtunneld bench/out/sshtunneld/sshtunneld --gateway-sh ../shared/bench/gateway.sh --out X.md
"""
import argparse
import getpass
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

CLK = os.sysconf("SC_CLK_TCK")


def free_port(start):
    for port in range(start, start + 60):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit(f"no free port from {start}")


def wait_listen(port, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(name))
    return kids


def tree(root):
    kids = children_map()
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_of(pid):
    """utime+stime+cutime+cstime in seconds (0 when gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / CLK


def tree_cpu(root):
    return sum(cpu_of(p) for p in tree(root))


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_mem(root):
    pids = tree(root)
    return {
        "procs": len(pids),
        "rss": sum(status_kb(p, "VmRSS") for p in pids),
        "pss": sum(pss_kb(p) for p in pids),
        "per_proc": [(p, status_kb(p, "VmRSS"), pss_kb(p)) for p in pids],
    }


def box_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v[:8]) - idle) / CLK


class CloseTarget:
    """A listener that accepts and closes at once (the -W target)."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(512)
        self.port = port
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.close()


def ssh_base(key, port, cipher):
    cmd = ["ssh", "-F", "none", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
           "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes",
           "-o", "KexAlgorithms=curve25519-sha256", "-i", key, "-p", str(port)]
    if cipher:
        cmd += ["-c", cipher]
    return cmd


def one_connection(base, user, target_port, deadline):
    timeout = max(1.0, min(30.0, deadline - time.monotonic()))
    try:
        r = subprocess.run(base + ["-W", f"127.0.0.1:{target_port}", f"{user}@127.0.0.1"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
        return r.returncode == 0, r.stderr.decode(errors="replace").strip()
    except subprocess.TimeoutExpired:
        return False, "timeout"


def conn_rate(gw, base, user, target_port, n, par, deadline):
    """n connections over par worker loops; returns a result dict."""
    counter = {"next": 0, "ok": 0, "fail": 0, "err": ""}
    lock = threading.Lock()

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if counter["next"] >= n:
                    return
                counter["next"] += 1
            ok, err = one_connection(base, user, target_port, deadline)
            with lock:
                if ok:
                    counter["ok"] += 1
                else:
                    counter["fail"] += 1
                    counter["err"] = err

    g0, b0, t0 = tree_cpu(gw["pid"]), box_busy(), os.times()
    w0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(par)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - w0
    time.sleep(0.3)  # let the gateway reap its per-connection children (their CPU lands in cutime)
    g1, b1, t1 = tree_cpu(gw["pid"]), box_busy(), os.times()
    client = (t1.children_user + t1.children_system) - (t0.children_user + t0.children_system)
    me = (t1.user + t1.system) - (t0.user + t0.system)
    gcpu = g1 - g0
    busy = b1 - b0  # busy CPU-seconds of the box over wall + the 0.3 s settle
    ok = max(counter["ok"], 1)
    return {
        "ok": counter["ok"], "fail": counter["fail"], "err": counter["err"], "wall": wall,
        "rate": counter["ok"] / wall if wall > 0 else 0.0,
        "gw_ms": 1000 * gcpu / ok, "client_ms": 1000 * client / ok,
        "gw_cores": gcpu / wall, "foreign_cores": max(0.0, busy - gcpu - client - me) / (wall + 0.3),
        "box_cores": busy / (wall + 0.3),
    }


def idle_sessions(gw, base, user, k, deadline):
    """Open k idle authenticated `ssh -N` sessions; measure the gateway tree before/after; close them."""
    time.sleep(1.0)
    before = tree_mem(gw["pid"])
    procs, up = [], 0
    try:
        for _ in range(k):
            procs.append(subprocess.Popen(
                base + ["-N", "-o", "PermitLocalCommand=yes", "-o", "LocalCommand=echo up", f"{user}@127.0.0.1"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
        for p in procs:
            # LocalCommand runs after authentication: one "up" line per authenticated session.
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            line = read_line(p.stdout, remaining)
            if line == b"up\n":
                up += 1
        time.sleep(2.0)
        after = tree_mem(gw["pid"])
        time.sleep(3.0)
        later = tree_mem(gw["pid"])
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            p.stdout.close()
    return before, after, later, up


def read_line(stream, timeout):
    result = []
    t = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    t.start()
    t.join(timeout)
    return result[0] if result else b""


def start_gateways(args):
    sshd_port = free_port(args.port_base)
    out = subprocess.run(["bash", args.gateway_sh, "start", str(sshd_port)], check=True, capture_output=True, text=True).stdout
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and not line.startswith("#"))
    gdir = env["GATEWAY_DIR"]
    with open(os.path.join(gdir, "listener.pid")) as f:
        sshd_pid = int(f.read().strip())
    sshd = {"name": "openssh sshd", "pid": sshd_pid, "port": sshd_port, "dir": gdir}
    gw_port = free_port(sshd_port + 1)
    log = open(os.path.join(gdir, "sshtunneld.log"), "w")
    p = subprocess.Popen([args.sshtunneld, "-D", "-e", "-f", "/dev/null", "-p", str(gw_port),
                          "-h", os.path.join(gdir, "host_ed25519_key"), "-o", "ListenAddress=127.0.0.1",
                          "-o", "AuthorizedKeysFile=" + os.path.join(gdir, "authorized_keys"),
                          "-o", "PermitRootLogin=prohibit-password", "-o", "MaxStartups=200:30:400", "-o", "MaxSessions=200"],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    gw = {"name": "sshtunneld", "pid": p.pid, "port": gw_port, "proc": p}
    if not wait_listen(gw_port):
        raise SystemExit("sshtunneld did not start; see " + log.name)
    return sshd, gw, env["SSH_KEY"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sshtunneld", required=True)
    ap.add_argument("--gateway-sh", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--n-seq", type=int, default=60)
    ap.add_argument("--n-par", type=int, default=200)
    ap.add_argument("--par", type=int, default=8)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--cipher", default="", help="default: the client's default (chacha20-poly1305)")
    ap.add_argument("--port-base", type=int, default=22930)
    ap.add_argument("--max-seconds", type=float, default=420)
    args = ap.parse_args()
    deadline = time.monotonic() + args.max_seconds
    user = getpass.getuser()

    sshd, gw, key = start_gateways(args)
    target = CloseTarget(free_port(gw["port"] + 1))
    lines = []

    def say(text):
        print(text, file=sys.stderr, flush=True)
        lines.append(text)

    try:
        gws = [sshd, gw]
        for g in gws:  # warm-up (sshtunneld's first connections JIT what ReadyToRun does not cover)
            for _ in range(5):
                one_connection(ssh_base(key, g["port"], args.cipher), user, target.port, deadline)
        results = {g["name"]: {"seq": [], "par": []} for g in gws}
        for rnd in range(args.rounds):
            order = gws if rnd % 2 == 0 else gws[::-1]
            for mode, n, par in (("seq", args.n_seq, 1), ("par", args.n_par, args.par)):
                for g in order:
                    if time.monotonic() > deadline - 60:
                        say(f"round {rnd + 1} {mode} {g['name']}: skipped (time budget)")
                        continue
                    r = conn_rate(g, ssh_base(key, g["port"], args.cipher), user, target.port, n, par, deadline)
                    results[g["name"]][mode].append(r)
                    say(f"round {rnd + 1} {mode} x{par} {g['name']}: {r['ok']} ok {r['fail']} failed in {r['wall']:.2f} s = "
                        f"{r['rate']:.1f} conn/s; gateway {r['gw_ms']:.2f} CPU-ms/conn ({r['gw_cores']:.2f} cores), "
                        f"client {r['client_ms']:.2f} CPU-ms/conn, foreign {r['foreign_cores']:.2f} cores, box {r['box_cores']:.2f}"
                        + (f"; last error: {r['err'][:120]}" if r["fail"] else ""))
        mem = {}
        for g in gws:
            if time.monotonic() > deadline - 30:
                say(f"memory {g['name']}: skipped (time budget)")
                continue
            before, after, later, up = idle_sessions(g, ssh_base(key, g["port"], args.cipher), user, args.sessions, deadline)
            mem[g["name"]] = (before, after, later, up)
            say(f"memory {g['name']}: {up}/{args.sessions} sessions authenticated; tree {before['procs']} -> {after['procs']} processes; "
                f"VmRSS {before['rss']} -> {after['rss']} kB (+5 s: {later['rss']}); Pss {before['pss']} -> {after['pss']} kB (+5 s: {later['pss']})")

        with open(args.out, "w") as f:
            f.write("# gwextra: new connections/s and memory per idle session (sshd vs sshtunneld)\n\n")
            f.write(f"Client: OpenSSH ssh, kex curve25519-sha256, cipher {args.cipher or 'default (chacha20-poly1305)'}, ed25519 keys, `-W` to a closing listener.\n\n")
            f.write("## Connection rate (median over rounds; min-max)\n\n| gateway | mode | conn/s | gateway CPU-ms/conn | client CPU-ms/conn | foreign cores | failures |\n|---|---|---:|---:|---:|---:|---:|\n")
            for g in gws:
                for mode in ("seq", "par"):
                    rs = results[g["name"]][mode]
                    if not rs:
                        continue
                    def cell(key_, fmt="{:.1f}"):
                        vals = [r[key_] for r in rs]
                        return fmt.format(statistics.median(vals)) + " (" + fmt.format(min(vals)) + "-" + fmt.format(max(vals)) + ")"
                    f.write(f"| {g['name']} | {mode} x{1 if mode == 'seq' else args.par} | {cell('rate')} | {cell('gw_ms', '{:.2f}')} | "
                            f"{cell('client_ms', '{:.2f}')} | {cell('foreign_cores', '{:.2f}')} | {sum(r['fail'] for r in rs)} |\n")
            f.write("\n## Memory per idle authenticated session\n\n| gateway | sessions up | processes before/after | VmRSS before / after / +5 s (kB) | per session VmRSS (kB) | Pss before / after (kB) | per session Pss (kB) |\n|---|---:|---|---|---:|---|---:|\n")
            for g in gws:
                if g["name"] not in mem:
                    continue
                b, a, l, up = mem[g["name"]]
                k = max(up, 1)
                f.write(f"| {g['name']} | {up} | {b['procs']}/{a['procs']} | {b['rss']} / {a['rss']} / {l['rss']} | {(a['rss'] - b['rss']) / k:.0f} | "
                        f"{b['pss']} / {a['pss']} | {(a['pss'] - b['pss']) / k:.0f} |\n")
            if sshd["name"] in mem:
                a = mem[sshd["name"]][1]
                sess = [x for x in a["per_proc"] if x[0] != sshd["pid"]]
                if sess:
                    f.write(f"\nsshd per-session processes: {len(sess)}, VmRSS median {statistics.median(x[1] for x in sess):.0f} kB, "
                            f"Pss median {statistics.median(x[2] for x in sess):.0f} kB\n")
            f.write("\n## Log\n\n```\n" + "\n".join(lines) + "\n```\n")
    finally:
        gw["proc"].send_signal(signal.SIGTERM)
        try:
            gw["proc"].wait(timeout=15)
        except subprocess.TimeoutExpired:
            gw["proc"].kill()
            gw["proc"].wait()
        subprocess.run(["bash", args.gateway_sh, "stop", sshd["dir"]], check=False)


if __name__ == "__main__":
    main()
