using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SshTunnel.Authentication;
using SshTunnel.Client;
using SshTunnel;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Server;
using SshTunnel.Server.Policy;

namespace ConnRate;

/// <summary>
/// New-SSH-connection load generator for the issue 3 benchmark: the same client for OpenSSH's sshd and sshtunneld.
/// Each connection: TCP connect, version exchange, kex curve25519-sha256, ssh-ed25519 host key (checked against the
/// expected .pub), publickey authentication with an ed25519 key (query, PK_OK, signed request, as OpenSSH's ssh does),
/// then by default one direct-tcpip channel to a local listener that closes at once (read to EOF), then DISCONNECT.
/// K connections are in flight at a time. Targets are measured interleaved, round after round; per cell it reports
/// connections/s and the server process tree's CPU (utime+stime+cutime+cstime of the root and every live descendant,
/// from /proc, read after a short settle so reaped per-connection children land in cutime).
/// Every loop is bounded by a connection count and by time; loopback only.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: connrate --target NAME=PORT:PID [--target ...] --user U --key FILE --host-key-pub FILE
                        [--count N] [--seconds S] [--concurrency K] [--rounds R] [--warmup W] [--warmup-seconds S]
                        [--work direct-tcpip|none] [--label TEXT] [--tsv FILE] [--max-seconds S]
          --count N        connections per cell at most (default 2000)
          --seconds S      time per cell at most (default 4)
          --concurrency K  connections in flight (default 8)
          --rounds R       rounds; each round measures every target once, order alternating (default 3)
          --warmup W       unmeasured connections per target first, at most (default 5000)
          --warmup-seconds S  ... and for at most S seconds (default 5: sshtunneld's JIT tier-up takes ~2000-4000 connections)
          --work           what each connection does after authentication (default direct-tcpip)
          --max-seconds S  the whole run stops starting cells after this (default 55)
          --inproc         also measure a library SshServer in this process (host key: --host-key-pub without .pub)
        """;

    private static async Task<int> Main(string[] args)
    {
        Settings settings;
        try
        {
            settings = Settings.Parse(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync("connrate: " + e.Message + "\n" + Usage).ConfigureAwait(false);
            return 2;
        }
        SshPrivateKey key = PrivateKeyFile.Load(settings.KeyPath);
        SshPublicKey expectedHostKey = PrivateKeyFile.LoadPublicKey(settings.HostKeyPubPath);
        using var closer = new ClosingListener();
        await using SshServer? inproc = settings.InProcess ? await StartInProcessServerAsync(settings, key).ConfigureAwait(false) : null;
        var deadline = Stopwatch.StartNew();
        var results = new List<CellResult>();

        foreach (Target target in settings.Targets)
        {
            CellResult warm = await RunCellAsync(target, settings, key, expectedHostKey, closer.Port, settings.Warmup, settings.WarmupSeconds, measure: false).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"warm-up {target.Name}: {warm.Ok} ok, {warm.Failed} failed{warm.ErrorSuffix}").ConfigureAwait(false);
        }
        for (int round = 0; round < settings.Rounds; round++)
        {
            IEnumerable<Target> order = round % 2 == 0 ? settings.Targets : Enumerable.Reverse(settings.Targets);
            foreach (Target target in order)
            {
                if (deadline.Elapsed.TotalSeconds + settings.Seconds + 1 > settings.MaxSeconds)
                {
                    await Console.Error.WriteLineAsync($"round {round + 1} {target.Name}: skipped (time budget)").ConfigureAwait(false);
                    continue;
                }
                CellResult r = await RunCellAsync(target, settings, key, expectedHostKey, closer.Port, settings.Count, settings.Seconds, measure: true).ConfigureAwait(false);
                r.Round = round + 1;
                results.Add(r);
                await Console.Error.WriteLineAsync(r.Describe(settings)).ConfigureAwait(false);
            }
        }
        string summary = Summarize(settings, results);
        Console.Out.Write(summary);
        if (settings.TsvPath is { } tsv)
        {
            bool header = !File.Exists(tsv);
            var sb = new StringBuilder();
            if (header) sb.AppendLine("label\tround\ttarget\tconcurrency\tok\tfailed\twall_s\tconn_per_s\tserver_cpu_ms_per_conn\tserver_cores\tclient_cpu_ms_per_conn\tbox_cores");
            foreach (CellResult r in results)
            {
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"{settings.Label}\t{r.Round}\t{r.Target.Name}\t{settings.Concurrency}\t{r.Ok}\t{r.Failed}\t{r.Wall:F3}\t{r.Rate:F1}\t{r.ServerMsPerConn:F3}\t{r.ServerCores:F2}\t{r.ClientMsPerConn:F3}\t{r.BoxCores:F2}"));
            }
            await File.AppendAllTextAsync(tsv, sb.ToString()).ConfigureAwait(false);
        }
        return results.Any(r => r.Failed > 0) ? 1 : 0;
    }

    /// <summary>--inproc: an SshServer of the library in this process (allocation and CPU of client + server together).</summary>
    private static async Task<SshServer> StartInProcessServerAsync(Settings settings, SshPrivateKey clientKey)
    {
        SshPrivateKey hostKey = PrivateKeyFile.Load(settings.HostKeyPubPath[..^4]);
        var server = new SshServer(new SshServerOptions
        {
            HostKeys = [hostKey],
            ListenEndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            MaxStartups = new StartupLimits(200, 30, 400),
            AuthorizePublicKeyAsync = (context, _) => ValueTask.FromResult(context.Key.Equals(clientKey.PublicKey) ? new ForwardingPolicy(new ForwardingSettings()) : null),
        });
        await server.StartAsync().ConfigureAwait(false);
        settings.Targets.Add(new Target("inproc", server.ListenEndPoints[0].Port, Environment.ProcessId));
        return server;
    }

    private static async Task<CellResult> RunCellAsync(Target target, Settings settings, SshPrivateKey key, SshPublicKey hostKey, int closerPort, int count, double seconds, bool measure)
    {
        var options = new SshClientOptions
        {
            Host = "127.0.0.1",
            Port = target.Port,
            KexAlgorithms = ["curve25519-sha256"],
            HostKeyAlgorithms = ["ssh-ed25519"],
            Ciphers = settings.Cipher is null ? null : [settings.Cipher],
            ConnectTimeout = TimeSpan.FromSeconds(10),
            Authentication = new ClientAuthenticationOptions
            {
                UserName = settings.User,
                Host = "127.0.0.1",
                Identities = [new ClientIdentity(key, settings.KeyPath)],
                IdentityAgent = "none",
                IdentitiesOnly = true,
                BatchMode = true,
                PreferredAuthentications = ["publickey"],
            },
            VerifyHostKeyAsync = (context, _) => ValueTask.FromResult(context.Key.Equals(hostKey)),
        };
        int next = 0;
        int ok = 0;
        int failed = 0;
        string? lastError = null;
        var stop = Stopwatch.StartNew();
        TimeSpan limit = TimeSpan.FromSeconds(seconds);

        async Task WorkerAsync()
        {
            while (stop.Elapsed < limit && Interlocked.Increment(ref next) <= count)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await OneConnectionAsync(options, settings.Work, closerPort, timeout.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref ok);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref failed);
                    lastError = e.GetType().Name + ": " + e.Message;
                }
            }
        }

        Cpu before = measure ? Cpu.Read(target.Pid) : default;
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        stop.Restart();
        Task[] workers = [.. Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(WorkerAsync))];
        await Task.WhenAll(workers).ConfigureAwait(false);
        double wall = stop.Elapsed.TotalSeconds;
        if (measure) await Task.Delay(300).ConfigureAwait(false); // let sshd reap its per-connection processes (their CPU lands in cutime)
        Cpu after = measure ? Cpu.Read(target.Pid) : default;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        return new CellResult(target, ok, failed, wall, after - before, lastError) { AllocatedBytes = allocated };
    }

    private static async Task OneConnectionAsync(SshClientOptions options, string work, int closerPort, CancellationToken cancellationToken)
    {
        SshClient client = await SshClient.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            if (work == "direct-tcpip")
            {
                ChannelStream stream = await client.OpenDirectTcpipAsync("127.0.0.1", closerPort, cancellationToken: cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    byte[] buffer = new byte[256];
                    while (await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
                    {
                        // The target closes at once: read to EOF.
                    }
                }
            }
        }
    }

    private static string Summarize(Settings settings, List<CellResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"### {settings.Label}: {settings.Concurrency} in flight, work {settings.Work}, {settings.Rounds} rounds of ≤ {settings.Count} conn / ≤ {settings.Seconds} s per cell");
        sb.AppendLine();
        sb.AppendLine("| server | conn/s median (min-max) | server CPU-ms/conn median (min-max) | server cores | client CPU-ms/conn | box cores | ok / failed |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (Target t in settings.Targets)
        {
            List<CellResult> rs = [.. results.Where(r => r.Target == t)];
            if (rs.Count == 0) continue;
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {t.Name} | {Cell(rs, r => r.Rate, "F1")} | {Cell(rs, r => r.ServerMsPerConn, "F2")} | {Median(rs, r => r.ServerCores):F2} | {Median(rs, r => r.ClientMsPerConn):F2} | {Median(rs, r => r.BoxCores):F2} | {rs.Sum(r => r.Ok)} / {rs.Sum(r => r.Failed)} |"));
        }
        if (settings.Targets.Count == 2)
        {
            Target a = settings.Targets[0];
            Target b = settings.Targets[1];
            var rates = new List<double>();
            var cpus = new List<double>();
            for (int round = 1; round <= settings.Rounds; round++)
            {
                CellResult? ra = results.FirstOrDefault(r => r.Round == round && r.Target == a);
                CellResult? rb = results.FirstOrDefault(r => r.Round == round && r.Target == b);
                if (ra is null || rb is null || ra.Rate <= 0 || rb.ServerMsPerConn <= 0) continue;
                rates.Add(rb.Rate / ra.Rate);
                cpus.Add(ra.ServerMsPerConn / rb.ServerMsPerConn);
            }
            if (rates.Count > 0)
            {
                sb.AppendLine();
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"{b.Name} / {a.Name}: conn/s ×{Median(rates):F2} (per round {string.Join(", ", rates.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))}); CPU per connection ÷{Median(cpus):F2} (per round {string.Join(", ", cpus.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))})"));
            }
        }
        sb.AppendLine();
        return sb.ToString();
    }

    private static string Cell(List<CellResult> rs, Func<CellResult, double> f, string format) =>
        Median(rs, f).ToString(format, CultureInfo.InvariantCulture) + " (" + rs.Min(f).ToString(format, CultureInfo.InvariantCulture)
        + "-" + rs.Max(f).ToString(format, CultureInfo.InvariantCulture) + ")";

    private static double Median(List<CellResult> rs, Func<CellResult, double> f) => Median([.. rs.Select(f)]);

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n == 0 ? 0 : n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}

/// <summary>A server to measure: name, port, and the PID of its root process (sshd's listener, sshtunneld).</summary>
internal sealed record Target(string Name, int Port, int Pid);

/// <summary>The command line.</summary>
internal sealed class Settings
{
    public List<Target> Targets { get; } = [];
    public string User { get; private set; } = Environment.UserName;
    public string KeyPath { get; private set; } = "";
    public string HostKeyPubPath { get; private set; } = "";
    public int Count { get; private set; } = 2000;
    public double Seconds { get; private set; } = 4;
    public int Concurrency { get; private set; } = 8;
    public int Rounds { get; private set; } = 3;
    public int Warmup { get; private set; } = 5000;
    public double WarmupSeconds { get; private set; } = 5;
    public string Work { get; private set; } = "direct-tcpip";
    public string? Cipher { get; private set; }
    public string Label { get; private set; } = "run";
    public string? TsvPath { get; private set; }
    public double MaxSeconds { get; private set; } = 55;
    public bool InProcess { get; private set; }

    public static Settings Parse(string[] args)
    {
        var s = new Settings();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException(name + " needs a value");
            int Int() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new FormatException(name + ": not a positive integer");
            double Double() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 ? v : throw new FormatException(name + ": not a positive number");
            switch (name)
            {
                case "--target": s.Targets.Add(ParseTarget(Value())); break;
                case "--user": s.User = Value(); break;
                case "--key": s.KeyPath = Value(); break;
                case "--host-key-pub": s.HostKeyPubPath = Value(); break;
                case "--count": s.Count = Int(); break;
                case "--seconds": s.Seconds = Double(); break;
                case "--concurrency": s.Concurrency = Int(); break;
                case "--rounds": s.Rounds = Int(); break;
                case "--warmup": s.Warmup = Int(); break;
                case "--warmup-seconds": s.WarmupSeconds = Double(); break;
                case "--work": s.Work = Value() is "direct-tcpip" or "none" ? args[i] : throw new FormatException("--work: direct-tcpip or none"); break;
                case "--cipher": s.Cipher = Value(); break;
                case "--label": s.Label = Value(); break;
                case "--tsv": s.TsvPath = Value(); break;
                case "--max-seconds": s.MaxSeconds = Double(); break;
                case "--inproc": s.InProcess = true; break;
                default: throw new FormatException("unknown option " + name);
            }
        }
        if ((s.Targets.Count == 0 && !s.InProcess) || s.KeyPath.Length == 0 || s.HostKeyPubPath.Length == 0) throw new FormatException("--target, --key and --host-key-pub are required");
        return s;
    }

    private static Target ParseTarget(string text)
    {
        // NAME=PORT:PID
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        int colon = text.LastIndexOf(':');
        if (eq <= 0 || colon < eq
            || !int.TryParse(text.AsSpan(eq + 1, colon - eq - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
        {
            throw new FormatException("--target NAME=PORT:PID expected, got " + text);
        }
        return new Target(text[..eq], port, pid);
    }
}

/// <summary>One measured cell.</summary>
internal sealed class CellResult(Target target, int ok, int failed, double wall, Cpu cpu, string? lastError)
{
    public Target Target { get; } = target;
    public int Round { get; set; }
    public int Ok { get; } = ok;
    public int Failed { get; } = failed;
    public double Wall { get; } = wall;
    public double Rate => Wall > 0 ? Ok / Wall : 0;
    public double ServerMsPerConn => 1000 * cpu.Server / Math.Max(Ok, 1);
    public double ServerCores => cpu.Server / (Wall + 0.3);
    public double ClientMsPerConn => 1000 * cpu.Client / Math.Max(Ok, 1);
    public double BoxCores => cpu.Box / (Wall + 0.3);
    public long AllocatedBytes { get; init; }
    public string ErrorSuffix => Failed > 0 ? "; last error: " + lastError : "";

    public string Describe(Settings settings) => string.Create(CultureInfo.InvariantCulture,
        $"{settings.Label} round {Round} {Target.Name} x{settings.Concurrency}: {Ok} ok {Failed} failed in {Wall:F2} s = {Rate:F1} conn/s; server {ServerMsPerConn:F2} CPU-ms/conn ({ServerCores:F2} cores), client {ClientMsPerConn:F2} CPU-ms/conn, {AllocatedBytes / 1024.0 / Math.Max(Ok, 1):F1} KiB allocated/conn here, box {BoxCores:F2} cores{ErrorSuffix}");
}

/// <summary>CPU-seconds: the server tree, this process, and the whole box (busy, from /proc/stat).</summary>
internal readonly record struct Cpu(double Server, double Client, double Box)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static Cpu operator -(Cpu a, Cpu b) => new(a.Server - b.Server, a.Client - b.Client, a.Box - b.Box);

    public static Cpu Read(int root) => new(TreeSeconds(root), Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, BoxBusySeconds());

    /// <summary>utime+stime+cutime+cstime of <paramref name="root"/> and all its live descendants.</summary>
    private static double TreeSeconds(int root)
    {
        var parentOf = new Dictionary<int, int>();
        var ticks = new Dictionary<int, long>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(dir + "/stat");
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state ppid ... utime(12th field of the rest = index 11) stime cutime cstime.
            parentOf[pid] = int.Parse(f[1], CultureInfo.InvariantCulture);
            ticks[pid] = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)
                + long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
        }
        var inTree = new HashSet<int> { root };
        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach ((int pid, int parent) in parentOf)
            {
                if (inTree.Contains(parent) && inTree.Add(pid)) grew = true;
            }
        }
        long total = 0;
        foreach (int pid in inTree) total += ticks.GetValueOrDefault(pid);
        return total / TicksPerSecond;
    }

    private static double BoxBusySeconds()
    {
        string line = File.ReadLines("/proc/stat").First();
        long[] v = [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(x => long.Parse(x, CultureInfo.InvariantCulture))];
        return (v.Sum() - v[3] - v[4]) / TicksPerSecond;
    }
}

/// <summary>The direct-tcpip target: a loopback listener that accepts and closes at once.</summary>
internal sealed class ClosingListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosingListener()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Listen(1024);
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _ = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            try
            {
                Socket s = await _socket.AcceptAsync().ConfigureAwait(false);
                s.Dispose();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException)
            {
                // a connection reset in the queue: go on
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
