#!/usr/bin/env bash
# Data-path CPU check (issue 3 / issue 2): iperf3 through one `-N -L` forward, OpenSSH beside this repo's builds
# in the same run, interleaved per rep. Records MB/s, CPU-s/GiB (user+sys, and sys alone) and context switches per
# GiB of the gateway process tree and of the client, from /proc (utime/stime, voluntary+nonvoluntary switches over
# all threads), taken right before and after the transfer while the forward is up.
#
#   bench/datapath.sh [options] CONFIG...
#     CONFIG            CLIENT@GATEWAY, e.g. ssh@sshd ssh@new tun@sshd
#                       CLIENT: ssh or a label given with --client; GATEWAY: sshd or a label given with --gateway
#     --gateway L=PATH  an sshtunneld build (e.g. --gateway new=/tmp/up-d/sshtunneld); repeatable
#     --gateway-env L=NAME=VALUE  an environment variable for gateway L only (A/B of runtime knobs); repeatable
#     --client L=PATH   an sshtunnel build (e.g. --client tun=/tmp/up-c/sshtunnel); repeatable
#     --cipher C        aes128-gcm@openssh.com (default) or chacha20-poly1305@openssh.com; repeatable
#     --dir up|down     up: client -> gateway -> target (gateway decrypts); down: -R in iperf3 terms; repeatable
#     --seconds N       iperf3 duration per cell (default 4)
#     --reps N          repetitions (default 3)
#     --warmup N        seconds of iperf3 through each new forward before measuring (default 2; the first cell of each
#                       sshtunneld process gets 4 more: tier-1 JIT of a fresh .NET process is not steady state)
#     --strace CONFIG   instead of timing: strace -c -f the gateway (or, with --strace-client, the client) of CONFIG
#                       during a 256 MB transfer per cipher/direction
#     --perf CONFIG     as --strace, with `perf record` (sshtunneld gets DOTNET_PerfMapEnabled=1); prints the top symbols
#
# Loopback only; ports from 22600 up (the project's 22000-22999 range). Everything started is stopped by PID.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/harness.sh
source "$HERE/harness.sh"
export HARNESS_DIR
exec python3 - "$@" <<'PY'
import json, os, signal, subprocess, sys, tempfile, time, shutil
sys.path.insert(0, os.environ["HARNESS_DIR"])
import benchlib as bl

args = sys.argv[1:]
gateways, clients, ciphers, dirs, configs, genv = {}, {}, [], [], [], {}
seconds, reps, strace_cfg, strace_client, use_perf, warmup = 4, 3, None, False, False, 2.0
warmed = set()
i = 0
while i < len(args):
    a = args[i]
    if a == "--gateway": k, v = args[i+1].split("=", 1); gateways[k] = v; i += 2
    elif a == "--gateway-env": k, v = args[i+1].split("=", 1); genv.setdefault(k, {}).update([v.split("=", 1)]); i += 2
    elif a == "--client": k, v = args[i+1].split("=", 1); clients[k] = v; i += 2
    elif a == "--cipher": ciphers.append(args[i+1]); i += 2
    elif a == "--dir": dirs.append(args[i+1]); i += 2
    elif a == "--seconds": seconds = float(args[i+1]); i += 2
    elif a == "--reps": reps = int(args[i+1]); i += 2
    elif a == "--warmup": warmup = float(args[i+1]); i += 2
    elif a == "--strace": strace_cfg = args[i+1]; i += 2
    elif a == "--strace-client": strace_client = True; i += 1
    elif a == "--perf": strace_cfg = args[i+1]; use_perf = True; i += 2
    elif a.startswith("-"): sys.exit("datapath.sh: unknown option " + a)
    else: configs.append(a); i += 1
ciphers = ciphers or ["aes128-gcm@openssh.com"]
dirs = dirs or ["up"]
if strace_cfg: configs = [strace_cfg]
if not configs: sys.exit("datapath.sh: give at least one CLIENT@GATEWAY")
HB = os.environ["HARNESS_DIR"]
CLK = os.sysconf("SC_CLK_TCK")
procs = []

def free_port(start):
    return int(subprocess.check_output([sys.executable, HB + "/benchlib.py", "free-port", "--start", str(start)], stdin=subprocess.DEVNULL).split()[0])

def wait_listen(port, pid):
    subprocess.check_call([sys.executable, HB + "/benchlib.py", "wait-listen", "--port", str(port), "--host", "127.0.0.1", "--timeout", "15", "--pid", str(pid)], stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

def start(cmd, **kw):
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True, **kw)
    procs.append(p)
    return p

def stop(p):
    for pid in reversed(bl.tree(p.pid)):
        try: os.kill(pid, signal.SIGTERM)
        except OSError: pass
    try: p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()

def snap(root):
    cpu = sysc = cs = 0
    for pid in bl.tree(root):
        try:
            s = bl._stat(pid)
            cpu += s["utime"] + s["stime"]; sysc += s["stime"]
            for t in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{t}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                            cs += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
    return cpu / CLK, sysc / CLK, cs

work = tempfile.mkdtemp(prefix="datapath.")
try:
    subprocess.check_call(["bash", HB + "/gateway.sh", "keys", work], stdin=subprocess.DEVNULL)
    key, hk, ak = work + "/client_ed25519", work + "/host_ed25519_key", work + "/authorized_keys"
    gw_ports, gw_procs = {}, {}
    port = 22600
    needed = {c.split("@")[1] for c in configs}
    for g in sorted(needed):
        port = free_port(port); gw_ports[g] = port
        if g == "sshd":
            env = dict(os.environ, BENCH_GW_DIR=work + "/sshd", BENCH_GATEWAY_PORT=str(port), BENCH_HOST_KEY=hk, BENCH_AUTHORIZED_KEYS=ak, SSHD_LOGLEVEL="ERROR")
            p = start(["bash", HB + "/gateway.sh", "run"], env=env, stderr=open(work + "/sshd.log", "w"))
        else:
            p = start([gateways[g], "-D", "-e", "-f", "/dev/null", "-p", str(port), "-h", hk, "-o", "ListenAddress=127.0.0.1",
                       "-o", "AuthorizedKeysFile=" + ak, "-o", "PermitRootLogin=prohibit-password"], stderr=open(work + f"/{g}.log", "w"),
                      env=dict(os.environ, **genv.get(g, {}), **({"DOTNET_PerfMapEnabled": "1"} if use_perf else {})))
        gw_procs[g] = p
        wait_listen(port, p.pid)
        port += 1
    port = free_port(port); iperf_port = port
    ip = start(["iperf3", "-s", "-p", str(iperf_port), "-B", "127.0.0.1"], stdout=subprocess.DEVNULL)
    wait_listen(iperf_port, ip.pid)
    rows = []

    def run_cell(cfg, cipher, d, rep, strace=False):
        global port
        cl, gw = cfg.split("@")
        binary = "ssh" if cl == "ssh" else clients[cl]
        port = free_port(port + 1); lport = port
        c = start([binary, "-N", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                   "-o", "BatchMode=yes", "-i", key, "-c", cipher, "-p", str(gw_ports[gw]),
                   "-L", f"127.0.0.1:{lport}:127.0.0.1:{iperf_port}", "root@127.0.0.1"], stderr=open(work + "/client.log", "a"))
        try:
            wait_listen(lport, c.pid)
            # warm-up (first window; tier-1 JIT of a fresh .NET process)
            w = warmup + (0 if gw in warmed or gw == "sshd" else 4); warmed.add(gw)
            subprocess.check_call(["iperf3", "-c", "127.0.0.1", "-p", str(lport), "-t", str(w), "-J"] + (["-R"] if d == "down" else []), stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            groot = gw_procs[gw].pid
            st = None
            if strace:
                target = c.pid if strace_client else None
                pids = bl.tree(target) if target else [p for p in bl.tree(groot) if p != groot or gw != "sshd"]
                if use_perf:
                    cmd = ["perf", "record"] + os.environ.get("PERF_ARGS", "-F 2000 -g").split() + ["-o", work + "/perf.data", "-p", ",".join(map(str, pids))]
                else:
                    cmd = ["strace", "-c", "-f", "-o", work + "/strace.txt"]
                    for p in pids: cmd += ["-p", str(p)]
                st = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1.0)
            g0, c0, t0 = snap(groot), snap(c.pid), time.time()
            ipargs = ["-n", "256M"] if strace else ["-t", str(seconds)]
            for attempt in range(3):  # the iperf3 server may still be finishing the previous test ("busy")
                out = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(lport), "-J"] + ipargs + (["-R"] if d == "down" else []),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE).stdout
                if "sum_received" in json.loads(out).get("end", {}): break
                time.sleep(0.5); g0, c0, t0 = snap(groot), snap(c.pid), time.time()
            else:
                print(cfg + ": iperf3 failed: " + str(json.loads(out).get("error"))); return
            g1, c1, t1 = snap(groot), snap(c.pid), time.time()
            if st is not None:
                st.send_signal(signal.SIGINT); st.wait(10)
                who = "client" if strace_client else "gateway"
                print(f"== strace -c -f {who} {cfg} {cipher} {d} (256 MB)")
                if use_perf:
                    rep_ = subprocess.run(["perf", "report", "-i", work + "/perf.data", "--no-children", "--sort", "dso,sym", "--stdio", "-g", "none", "--percent-limit", "0.7"],
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, stdin=subprocess.DEVNULL).stdout
                    print("\n".join(l for l in rep_.splitlines() if l.strip() and not l.startswith("#")))
                    shutil.copy(work + "/perf.data", "/tmp/datapath-perf.data")
                else:
                    print(open(work + "/strace.txt").read())
                return
            j = json.loads(out)["end"]["sum_received"]
            gib = j["bytes"] / 2**30
            row = dict(cfg=cfg, cipher=cipher.split("@")[0], dir=d, rep=rep, mbs=j["bytes"] / j["seconds"] / 1e6,
                       gw=(g1[0]-g0[0]) / gib, gwsys=(g1[1]-g0[1]) / gib, gwcs=(g1[2]-g0[2]) / gib,
                       cl=(c1[0]-c0[0]) / gib, clsys=(c1[1]-c0[1]) / gib, clcs=(c1[2]-c0[2]) / gib, busy=((g1[0]-g0[0]) + (c1[0]-c0[0])) / (t1 - t0))
            rows.append(row)
            print("{cfg:>14} {cipher:>17} {dir:>4} rep{rep} {mbs:7.0f} MB/s  gw {gw:5.2f} CPU-s/GiB (sys {gwsys:4.2f}, {gwcs:7.0f} cs/GiB)  client {cl:5.2f} (sys {clsys:4.2f}, {clcs:7.0f} cs/GiB)".format(**row), flush=True)
        finally:
            stop(c)

    for cipher in ciphers:
        for d in dirs:
            for rep in range(1, (1 if strace_cfg else reps) + 1):
                order = configs if rep % 2 else list(reversed(configs))
                for cfg in order:
                    run_cell(cfg, cipher, d, rep, strace=bool(strace_cfg))
    if rows:
        print("\nmedians (MB/s, gateway CPU-s/GiB [sys] cs/GiB, client CPU-s/GiB [sys] cs/GiB)")
        import statistics as S
        for cipher in ciphers:
            for d in dirs:
                for cfg in configs:
                    r = [x for x in rows if x["cfg"] == cfg and x["cipher"] == cipher.split("@")[0] and x["dir"] == d]
                    if not r: continue
                    m = {k: S.median(x[k] for x in r) for k in ("mbs", "gw", "gwsys", "gwcs", "cl", "clsys", "clcs")}
                    m.update(cfg=cfg, c=cipher.split("@")[0], d=d)
                    print("{cfg:>14} {c:>17} {d:>4} {mbs:7.0f}  gw {gw:5.2f} [{gwsys:4.2f}] {gwcs:7.0f}  client {cl:5.2f} [{clsys:4.2f}] {clcs:7.0f}".format(**m))
finally:
    for p in reversed(procs):
        if p.poll() is None: stop(p)
    shutil.rmtree(work, ignore_errors=True)
PY
