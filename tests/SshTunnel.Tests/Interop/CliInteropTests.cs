using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SshTunnel.Tests.Infrastructure;

namespace SshTunnel.Tests.Interop;

/// <summary>
/// The sshtunnel executable against a real sshd on 127.0.0.1, side by side with OpenSSH's ssh (when installed) run
/// with the same arguments: exit statuses and stderr lines must match ssh's (ssh ends its lines with "\r\n"; the
/// runner strips the '\r'). -F none keeps the user's and the system's ssh_config out; no agent is used.
/// </summary>
[Trait("Category", "Interop")]
[Collection("sshd-cli")]
public partial class CliInteropTests : IClassFixture<SharedOpenSshServer>
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    private readonly SharedOpenSshServer _shared;

    public CliInteropTests(SharedOpenSshServer shared) => _shared = shared;

    [GeneratedRegex(@"^channel \d+: open failed: connect failed: Connection refused$")]
    private static partial Regex ChannelOpenFailedLine();

    [OpenSshFact]
    public async Task RemoteCommandStatusIsReturnedAndNewHostKeyIsAdded()
    {
        OpenSshServer sshd = await _shared.GetAsync();
        string hostKey = HostKeyLine(sshd);
        foreach (bool openSsh in Clients())
        {
            string knownHosts = NewPath(sshd, "known_hosts");
            await using CliProcess cli = CliProcess.Start(openSsh, CommonArgs(sshd, knownHosts, "accept-new", sshd.ClientKeyPath, [], ["echo out; echo err >&2; exit 7"]));
            var (exit, errors, output) = await cli.CompleteAsync(ProcessTimeout);
            Assert.True(exit == 7, $"{cli.Name}: exit {exit}\n{string.Join('\n', errors)}");
            Assert.Equal("out\n", output);
            Assert.Equal([$"Warning: Permanently added '[127.0.0.1]:{sshd.Port}' (ED25519) to the list of known hosts.", "err"], errors);
            Assert.Equal([$"[127.0.0.1]:{sshd.Port} {hostKey}"], File.ReadAllLines(knownHosts).Select(l => string.Join(' ', l.Split(' ').Take(3))));
        }
    }

    [OpenSshFact]
    public async Task ConnectionRefused()
    {
        OpenSshServer sshd = await _shared.GetAsync();
        int closedPort = OpenSshServer.GetFreePort();
        var results = await RunAllAsync(CommonArgs(sshd, NewPath(sshd, "known_hosts"), "accept-new", sshd.ClientKeyPath, [], ["true"], port: closedPort));
        foreach (var (name, exit, errors) in results)
        {
            Assert.True(exit == 255, $"{name}: exit {exit}");
            Assert.Equal([$"ssh: connect to host 127.0.0.1 port {closedPort}: Connection refused"], errors);
        }
    }

    [OpenSshFact]
    public async Task ChangedHostKeyIsRefused()
    {
        OpenSshServer sshd = await _shared.GetAsync();
        string otherKey = await sshd.CreateUserKeyAsync("impostor_" + Guid.NewGuid().ToString("N")[..8], "ed25519", authorize: false);
        string otherPublic = string.Join(' ', File.ReadAllText(otherKey + ".pub").Split(' ').Take(2));
        string knownHosts = NewPath(sshd, "known_hosts");
        string knownHostsText = $"[127.0.0.1]:{sshd.Port} {otherPublic}\n";
        File.WriteAllText(knownHosts, knownHostsText);
        string fingerprint = "SHA256:" + Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(HostKeyLine(sshd).Split(' ')[1]))).TrimEnd('=');

        string[] expected =
        [
            "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
            "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
            "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
            "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
            "Someone could be eavesdropping on you right now (man-in-the-middle attack)!",
            "It is also possible that a host key has just been changed.",
            "The fingerprint for the ED25519 key sent by the remote host is",
            fingerprint + ".",
            "Please contact your system administrator.",
            $"Add correct host key in {knownHosts} to get rid of this message.",
            $"Offending ED25519 key in {knownHosts}:1",
            "  remove with:",
            $"  ssh-keygen -f \"{knownHosts}\" -R \"[127.0.0.1]:{sshd.Port}\"",
            $"Host key for [127.0.0.1]:{sshd.Port} has changed and you have requested strict checking.",
            "Host key verification failed.",
        ];
        var results = await RunAllAsync(CommonArgs(sshd, knownHosts, "accept-new", sshd.ClientKeyPath, [], ["true"]));
        foreach (var (name, exit, errors) in results)
        {
            Assert.True(exit == 255, $"{name}: exit {exit}");
            Assert.Equal(expected, errors);
            Assert.Equal(knownHostsText, File.ReadAllText(knownHosts)); // never rewritten
        }
    }

    [OpenSshFact]
    public async Task UnknownHostWithStrictChecking()
    {
        OpenSshServer sshd = await _shared.GetAsync();
        string knownHosts = NewPath(sshd, "known_hosts");
        var results = await RunAllAsync(CommonArgs(sshd, knownHosts, "yes", sshd.ClientKeyPath, [], ["true"]));
        foreach (var (name, exit, errors) in results)
        {
            Assert.True(exit == 255, $"{name}: exit {exit}");
            Assert.Equal(
                [$"No ED25519 host key is known for [127.0.0.1]:{sshd.Port} and you have requested strict checking.", "Host key verification failed."],
                errors);
            Assert.False(File.Exists(knownHosts));
        }
    }

    [OpenSshFact]
    public async Task WrongKeyIsPermissionDenied()
    {
        OpenSshServer sshd = await _shared.GetAsync();
        string wrongKey = await sshd.CreateUserKeyAsync("wrong_" + Guid.NewGuid().ToString("N")[..8], "ed25519", authorize: false);
        var results = await RunAllAsync(CommonArgs(sshd, KnownHosts(sshd), "yes", wrongKey, [], ["true"]));
        foreach (var (name, exit, errors) in results)
        {
            Assert.True(exit == 255, $"{name}: exit {exit}");
            Assert.Equal([$"{sshd.UserName}@127.0.0.1: Permission denied (publickey)."], errors);
        }
    }

    [OpenSshFact]
    public async Task BadLocalForwardingSpecification()
    {
        OpenSshServer sshd = await _shared.GetAsync();
        var results = await RunAllAsync(CommonArgs(sshd, NewPath(sshd, "known_hosts"), "yes", sshd.ClientKeyPath, ["-N", "-L", "0:h:80"], []));
        foreach (var (name, exit, errors) in results)
        {
            Assert.True(exit == 255, $"{name}: exit {exit}");
            Assert.Equal(["Bad local forwarding specification '0:h:80'"], errors);
        }
    }

    /// <summary>
    /// -N with two -L: one to an echo server (data goes through, also on 50 connections at once), one to a closed port ("channel N: open failed"
    /// and the local connection is closed), then SIGTERM: exit 0 with nothing more printed.
    /// </summary>
    [OpenSshFact]
    public async Task LocalForwardCarriesDataReportsRefusedChannelAndStopsOnSigterm()
    {
        OpenSshServer sshd = await _shared.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        string knownHosts = KnownHosts(sshd);
        await Task.WhenAll(Clients().Select(RunAsync)).WithTimeout(TimeSpan.FromSeconds(60));
        Assert.Empty(echo.Errors);

        async Task RunAsync(bool openSsh)
        {
            int echoListen = OpenSshServer.GetFreePort(), refusedListen = OpenSshServer.GetFreePort(), closedPort = OpenSshServer.GetFreePort();
            string[] args = CommonArgs(sshd, knownHosts, "yes", sshd.ClientKeyPath,
                ["-v", "-N", "-L", $"127.0.0.1:{echoListen}:127.0.0.1:{echo.Port}", "-L", $"127.0.0.1:{refusedListen}:127.0.0.1:{closedPort}"], []);
            await using CliProcess cli = CliProcess.Start(openSsh, args);
            // sshtunnel prints "Local connections to ..." once the listener is up; ssh prints it before listening, then
            // "Entering interactive session." once every forward listens.
            string readyLine = await cli.WaitForLineAsync(
                openSsh ? line => line == "debug1: Entering interactive session." : line => line.StartsWith("debug1: Local connections to ", StringComparison.Ordinal) && line.Contains($":{refusedListen} forwarded", StringComparison.Ordinal),
                ReadyTimeout);
            int ready = cli.ErrorLines.ToList().IndexOf(readyLine);

            byte[] data = RandomNumberGenerator.GetBytes(256 * 1024);
            Assert.Equal(data, await EchoThroughAsync(echoListen, data).WithTimeout());
            // 50 connections at once, each its own channel.
            await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
            {
                byte[] chunk = RandomNumberGenerator.GetBytes(8 * 1024 + i * 100);
                Assert.Equal(chunk, await EchoThroughAsync(echoListen, chunk));
            })).WithTimeout();

            using (var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await refused.ConnectAsync(IPAddress.Loopback, refusedListen).WithTimeout();
                int n;
                try
                {
                    n = await refused.ReceiveAsync(new byte[16], SocketFlags.None).WithTimeout();
                }
                catch (SocketException)
                {
                    n = 0; // reset instead of FIN: closed either way
                }
                Assert.Equal(0, n);
            }
            await cli.WaitForLineAsync(line => ChannelOpenFailedLine().IsMatch(line), ReadyTimeout);

            await cli.TerminateAsync();
            var (exit, errors, _) = await cli.CompleteAsync(ProcessTimeout);
            Assert.True(exit == 0, $"{cli.Name}: exit {exit}\n{string.Join('\n', errors)}");
            // After readiness only the refused channel is reported (ssh -v adds its "Transferred:" summary on exit).
            string[] shown = [.. errors.Skip(ready + 1).Where(l => !l.StartsWith("debug", StringComparison.Ordinal))];
            string[] summary = openSsh ? [.. shown.Where(l => l.StartsWith("Transferred: ", StringComparison.Ordinal) || l.StartsWith("Bytes per second: ", StringComparison.Ordinal))] : [];
            Assert.Single(shown.Except(summary), l => ChannelOpenFailedLine().IsMatch(l));
        }
    }

    /// <summary>SIGTERM on a quiet -N tunnel (no -v): exit 0 and nothing on stderr, like ssh.</summary>
    [OpenSshFact]
    public async Task SigtermOnQuietTunnelExitsZeroSilently()
    {
        OpenSshServer sshd = await _shared.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        string knownHosts = KnownHosts(sshd);
        await Task.WhenAll(Clients().Select(RunAsync)).WithTimeout(TimeSpan.FromSeconds(60));

        async Task RunAsync(bool openSsh)
        {
            int listen = OpenSshServer.GetFreePort();
            // -E sends the -v log to a file, so stderr stays as quiet as without -v while the log gives the readiness signal.
            string log = NewPath(sshd, "log");
            await using CliProcess cli = CliProcess.Start(openSsh, CommonArgs(sshd, knownHosts, "yes", sshd.ClientKeyPath, ["-N", "-v", "-E", log, "-L", $"127.0.0.1:{listen}:127.0.0.1:{echo.Port}"], []));
            await WaitForFileLineAsync(log, openSsh ? "debug1: Entering interactive session." : "debug1: Local connections to ", cli);
            byte[] data = RandomNumberGenerator.GetBytes(1000);
            Assert.Equal(data, await EchoThroughAsync(listen, data).WithTimeout());
            await cli.TerminateAsync();
            var (exit, errors, output) = await cli.CompleteAsync(ProcessTimeout);
            Assert.True(exit == 0, $"{cli.Name}: exit {exit}");
            Assert.Empty(errors);
            Assert.Empty(output);
        }
    }

    /// <summary>-f with a command: the first process exits 0 once the forward listens; the background copy carries it and exits after the command.</summary>
    [OpenSshFact]
    public async Task ForkAfterAuthenticationReturnsOnceListening()
    {
        OpenSshServer sshd = await _shared.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        int listen = OpenSshServer.GetFreePort();
        string knownHosts = KnownHosts(sshd); // unique path: it also identifies the background copy below
        CliProcess cli = CliProcess.StartSshTunnel(CommonArgs(sshd, knownHosts, "yes", sshd.ClientKeyPath, ["-f", "-L", $"127.0.0.1:{listen}:127.0.0.1:{echo.Port}"], ["sleep 5"]));
        try
        {
            int exit = await cli.WaitForExitAsync(ProcessTimeout);
            Assert.True(exit == 0, $"exit {exit}\n{string.Join('\n', cli.ErrorLines)}");
            byte[] data = RandomNumberGenerator.GetBytes(64 * 1024);
            Assert.Equal(data, await EchoThroughAsync(listen, data).WithTimeout());
            Assert.Single(ProcessesMentioning(knownHosts));
            // The background copy holds the inherited stderr; it ends when the copy exits after "sleep 5".
            await cli.ErrorEnded.WithTimeout(TimeSpan.FromSeconds(20));
            Assert.Empty(cli.ErrorLines);
            Assert.Empty(ProcessesMentioning(knownHosts));
        }
        finally
        {
            await cli.DisposeAsync();
            foreach (int pid in ProcessesMentioning(knownHosts))
            {
                try
                {
                    using var p = System.Diagnostics.Process.GetProcessById(pid);
                    p.Kill();
                }
                catch
                {
                    // gone meanwhile
                }
            }
        }
    }

    /// <summary>The -v lines about authentication and forwarding read as ssh's do.</summary>
    [OpenSshFact]
    public async Task VerboseForwardingLinesMatchOpenSsh()
    {
        if (!CliProcess.OpenSshClientAvailable) return;
        OpenSshServer sshd = await _shared.GetAsync();
        int listen = OpenSshServer.GetFreePort();
        string[] args = CommonArgs(sshd, KnownHosts(sshd), "yes", sshd.ClientKeyPath, ["-v", "-L", $"127.0.0.1:{listen}:127.0.0.1:9"], ["true"]);
        // One after the other: both listen on the same port.
        var wanted = new string[2][];
        foreach (bool openSsh in new[] { false, true })
        {
            await using CliProcess cli = CliProcess.Start(openSsh, args);
            var (exit, errors, _) = await cli.CompleteAsync(ProcessTimeout);
            Assert.True(exit == 0, $"{cli.Name}: exit {exit}\n{string.Join('\n', errors)}");
            wanted[openSsh ? 1 : 0] = errors.Where(l => l.Contains("Local connections to ", StringComparison.Ordinal) || l.Contains("Authenticated to ", StringComparison.Ordinal)).ToArray();
        }
        Assert.Equal(
            [$"Authenticated to 127.0.0.1 ([127.0.0.1]:{sshd.Port}) using \"publickey\".", $"debug1: Local connections to 127.0.0.1:{listen} forwarded to remote address 127.0.0.1:9"],
            wanted[1]);
        Assert.True(wanted[1].SequenceEqual(wanted[0]), $"ssh:\n{string.Join('\n', wanted[1])}\nsshtunnel:\n{string.Join('\n', wanted[0])}");
    }

    /// <summary>sshtunnel, then ssh when installed (the reference).</summary>
    private static bool[] Clients() => CliProcess.OpenSshClientAvailable ? [false, true] : [false];

    /// <summary>Runs sshtunnel and ssh (when installed) with the same arguments, concurrently.</summary>
    private static async Task<(string Name, int Exit, IReadOnlyList<string> Errors)[]> RunAllAsync(string[] args)
    {
        return await Task.WhenAll(Clients().Select(async openSsh =>
        {
            await using CliProcess cli = CliProcess.Start(openSsh, args);
            var (exit, errors, _) = await cli.CompleteAsync(ProcessTimeout);
            return (cli.Name, exit, errors);
        }));
    }

    private static string[] CommonArgs(OpenSshServer sshd, string knownHosts, string strict, string key, string[] options, string[] command, int? port = null) =>
    [
        "-F", "none",
        "-p", (port ?? sshd.Port).ToString(CultureInfo.InvariantCulture),
        "-i", key,
        "-o", "UserKnownHostsFile=" + knownHosts,
        "-o", "StrictHostKeyChecking=" + strict,
        "-o", "BatchMode=yes",
        .. options,
        $"{sshd.UserName}@127.0.0.1",
        .. command,
    ];

    /// <summary>A fresh path in the server's temporary directory.</summary>
    private static string NewPath(OpenSshServer sshd, string name) => Path.Combine(sshd.Directory, $"{name}_{Guid.NewGuid():N}");

    /// <summary>"ssh-ed25519 BASE64" of the server's ed25519 host key (the type both clients pick first).</summary>
    private static string HostKeyLine(OpenSshServer sshd) => string.Join(' ', File.ReadAllText(sshd.HostKeys["ed25519"] + ".pub").Split(' ').Take(2));

    /// <summary>A new known_hosts file holding the server's ed25519 host key.</summary>
    private static string KnownHosts(OpenSshServer sshd)
    {
        string path = NewPath(sshd, "known_hosts");
        File.WriteAllText(path, $"[127.0.0.1]:{sshd.Port} {HostKeyLine(sshd)}\n");
        return path;
    }

    private static async Task<byte[]> EchoThroughAsync(int port, byte[] data)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        Task<byte[]> reading = LoopbackServer.ReadToEndAsync(socket, CancellationToken.None);
        await LoopbackServer.SendAllAsync(socket, data, CancellationToken.None);
        socket.Shutdown(SocketShutdown.Send);
        return await reading;
    }

    /// <summary>Waits for a line starting with <paramref name="prefix"/> in a log file the process writes (-E), bounded by <see cref="ReadyTimeout"/>.</summary>
    private static async Task WaitForFileLineAsync(string path, string prefix, CliProcess cli)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path)) { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName };
        var changed = new SemaphoreSlim(0);
        watcher.Changed += (_, _) => changed.Release();
        watcher.Created += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            if (File.Exists(path))
            {
                string[] lines;
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                using (var reader = new StreamReader(stream))
                {
                    lines = (await reader.ReadToEndAsync()).Split('\n');
                }
                if (lines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal))) return;
            }
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"{cli.Name}: no \"{prefix}\" in {path}; stderr:\n{string.Join('\n', cli.ErrorLines)}");
            // Woken by the file changing; the 200 ms cap only guards against a missed notification.
            await changed.WaitAsync(TimeSpan.FromMilliseconds(Math.Min(200, left.TotalMilliseconds)));
        }
    }

    /// <summary>Process ids whose command line contains <paramref name="marker"/> (a unique temporary path), from /proc.</summary>
    private static List<int> ProcessesMentioning(string marker)
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.Contains(marker, StringComparison.Ordinal)) pids.Add(pid);
            }
            catch (IOException)
            {
                // exited meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                // not ours
            }
        }
        return pids;
    }
}
