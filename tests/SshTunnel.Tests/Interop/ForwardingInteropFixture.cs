using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using SshTunnel.Tests.Gateway;

namespace SshTunnel.Tests.Interop;

/// <summary>The forwarding interop tests (issue 4) share their servers and run one after the other (2-core machine).</summary>
[CollectionDefinition(Name)]
public sealed class ForwardingInteropCollection : ICollectionFixture<ForwardingInteropFixture>
{
    public const string Name = "forwarding-interop";
}

/// <summary>A server the CLI logs in to: its port and user (the key is <see cref="ForwardingInteropFixture.ClientKey"/> everywhere).</summary>
internal sealed record GatewayEndpoint(string Name, int Port, string User)
{
    public string Destination => $"{User}@127.0.0.1";

    public string JumpSpec => $"{User}@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Servers started on first use and shared by the forwarding interop tests: OpenSSH sshd instances with different
/// forwarding settings (sshd_config keeps the first value of a keyword, so the overrides go in an Included "Match all"
/// block) and sshtunneld daemon processes. The default sshd's client key is authorised on every server (alice's
/// authorized_keys on sshtunneld), so one key logs in anywhere, also through a -J chain.
/// </summary>
public sealed class ForwardingInteropFixture : IAsyncLifetime
{
    /// <summary>sshd: GatewayPorts clientspecified, everything permitted (OpenSshServer's defaults).</summary>
    internal const string SshdDefault = "sshd";
    internal const string SshdGatewayPortsNo = "sshd-gatewayports-no";
    internal const string SshdGatewayPortsYes = "sshd-gatewayports-yes";
    /// <summary>sshd: PermitListen none, PermitOpen 127.0.0.1:1234.</summary>
    internal const string SshdRestricted = "sshd-restricted";
    /// <summary>sshtunneld with its defaults (GatewayPorts no).</summary>
    internal const string DaemonDefault = "sshtunneld";
    /// <summary>sshtunneld: PermitListen none, PermitOpen 127.0.0.1:1234.</summary>
    internal const string DaemonRestricted = "sshtunneld-restricted";

    private static readonly Dictionary<string, string[]> SshdOverrides = new()
    {
        [SshdDefault] = [],
        [SshdGatewayPortsNo] = ["GatewayPorts no"],
        [SshdGatewayPortsYes] = ["GatewayPorts yes"],
        [SshdRestricted] = ["PermitListen none", "PermitOpen 127.0.0.1:1234"],
    };

    private static readonly Dictionary<string, string[]> DaemonConfig = new()
    {
        [DaemonDefault] = [],
        [DaemonRestricted] = ["PermitListen none", "PermitOpen 127.0.0.1:1234"],
    };

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, OpenSshServer> _sshd = [];
    private readonly Dictionary<string, GatewayProcess> _daemons = [];

    /// <summary>The client key (ed25519, no passphrase) authorised on every server; set once the default sshd runs.</summary>
    internal string ClientKey => _sshd[SshdDefault].ClientKeyPath;

    /// <summary>A scratch directory for known_hosts files, configs and logs of one test run.</summary>
    internal string ScratchDirectory { get; } = Path.Combine(Path.GetTempPath(), "sshtunnel-fwd-" + Guid.NewGuid().ToString("N")[..12]);

    internal async Task<OpenSshServer> SshdAsync(string name)
    {
        await _lock.WaitAsync();
        try
        {
            return await GetSshdLockedAsync(name);
        }
        finally
        {
            _lock.Release();
        }
    }

    internal async Task<GatewayEndpoint> EndpointAsync(string name)
    {
        if (DaemonConfig.ContainsKey(name)) return new GatewayEndpoint(name, (await DaemonAsync(name)).Port, "alice");
        return new GatewayEndpoint(name, (await SshdAsync(name)).Port, Environment.UserName);
    }

    internal async Task<GatewayProcess> DaemonAsync(string name)
    {
        await _lock.WaitAsync();
        try
        {
            if (_daemons.TryGetValue(name, out GatewayProcess? running)) return running;
            OpenSshServer sshd = await GetSshdLockedAsync(SshdDefault);
            GatewayProcess gateway = await GatewayProcess.StartAsync(configLines: DaemonConfig[name]);
            // alice may also log in with the shared client key.
            await File.AppendAllTextAsync(Path.Combine(gateway.Directory, "keys", "alice"), await File.ReadAllTextAsync(sshd.ClientKeyPath + ".pub"));
            _daemons[name] = gateway;
            return gateway;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<OpenSshServer> GetSshdLockedAsync(string name)
    {
        if (_sshd.TryGetValue(name, out OpenSshServer? running)) return running;
        if (name != SshdDefault) await GetSshdLockedAsync(SshdDefault);
        Directory.CreateDirectory(ScratchDirectory);
        string include = Path.Combine(ScratchDirectory, name + ".conf");
        string[] overrides = SshdOverrides[name];
        await File.WriteAllLinesAsync(include, overrides.Length == 0 ? [] : ["Match all", .. overrides]);
        OpenSshServer server = await OpenSshServer.StartAsync([$"Include {include}"]);
        if (name != SshdDefault) server.AuthorizeKey(await File.ReadAllTextAsync(_sshd[SshdDefault].ClientKeyPath + ".pub"));
        server.WriteKnownHosts();
        _sshd[name] = server;
        return server;
    }

    /// <summary>A fresh path under <see cref="ScratchDirectory"/>.</summary>
    internal string NewPath(string name)
    {
        Directory.CreateDirectory(ScratchDirectory);
        return Path.Combine(ScratchDirectory, $"{name}_{Guid.NewGuid():N}");
    }

    /// <summary>
    /// ssh-style arguments for <paramref name="endpoint"/>: -F none, the shared key, a fresh known_hosts with
    /// StrictHostKeyChecking accept-new, BatchMode, then <paramref name="options"/>, the destination and <paramref name="command"/>.
    /// </summary>
    internal string[] CliArgs(GatewayEndpoint endpoint, IEnumerable<string> options, params string[] command) =>
    [
        "-F", "none",
        "-p", endpoint.Port.ToString(CultureInfo.InvariantCulture),
        "-i", ClientKey,
        "-o", "UserKnownHostsFile=" + NewPath("known_hosts"),
        "-o", "StrictHostKeyChecking=accept-new",
        "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes",
        .. options,
        endpoint.Destination,
        .. command,
    ];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (GatewayProcess gateway in _daemons.Values) await gateway.DisposeAsync();
        foreach (OpenSshServer server in _sshd.Values) await server.DisposeAsync();
        try
        {
            if (Directory.Exists(ScratchDirectory)) Directory.Delete(ScratchDirectory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
        _lock.Dispose();
    }
}

/// <summary>Small helpers of the forwarding interop tests: tools, ss, SOCKS and HTTP by hand, hashing pumps.</summary>
internal static class ForwardingTestKit
{
    public static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    public const string CurlPath = "/usr/bin/curl";
    public const string SsPath = "/usr/bin/ss";

    /// <summary>Runs a tool to completion (killed after <paramref name="timeout"/>); returns its status and output.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunToolAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException(file + " did not start");
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        try
        {
            await p.WaitForExitAsync().WaitAsync(timeout ?? ToolTimeout);
        }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>curl (bounded by --max-time) with <paramref name="args"/>.</summary>
    public static Task<(int Exit, string Stdout, string Stderr)> CurlAsync(params string[] args) =>
        RunToolAsync(CurlPath, ["-sS", "--max-time", "20", "--noproxy", "", .. args]);

    /// <summary>The local addresses listening on TCP port <paramref name="port"/> (ss -ltnH), e.g. "127.0.0.1:N", "[::1]:N", "0.0.0.0:N", "[::]:N", sorted.</summary>
    public static async Task<string[]> ListeningAddressesAsync(int port)
    {
        var (exit, stdout, stderr) = await RunToolAsync(SsPath, ["-ltnH", "sport", "=", ":" + port.ToString(CultureInfo.InvariantCulture)]);
        if (exit != 0) throw new InvalidOperationException("ss failed: " + stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3])
            .Distinct()
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>A port nothing listens on (bound then released, 127.0.0.1).</summary>
    public static int ClosedPort() => OpenSshServer.GetFreePort();

    /// <summary>An HTTP server on 127.0.0.1: answers any request with 200 and <paramref name="body"/>, then closes.</summary>
    public static LoopbackServer HttpTarget(string body) => new(async (socket, ct) =>
    {
        byte[] buffer = new byte[16 * 1024];
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, ct);
            if (n == 0) return;
            total += n;
            if (buffer.AsSpan(0, total).IndexOf("\r\n\r\n"u8) >= 0) break;
        }
        byte[] content = Encoding.ASCII.GetBytes(body);
        string head = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n";
        byte[] response = [.. Encoding.ASCII.GetBytes(head), .. content];
        await LoopbackServer.SendAllAsync(socket, response, ct);
        socket.Shutdown(SocketShutdown.Send);
    });

    /// <summary>
    /// A SOCKS5 CONNECT by hand (RFC 1928, no authentication) to <paramref name="host"/> (an IPv4 literal goes as ATYP 1,
    /// anything else as a domain name, ATYP 3). Returns the REP byte and the connected socket (the caller disposes it); a
    /// connection closed before a full reply is REP -1.
    /// </summary>
    public static async Task<(int Reply, Socket Socket)> Socks5ConnectAsync(int proxyPort, string host, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, proxyPort);
            await LoopbackServer.SendAllAsync(socket, new byte[] { 5, 1, 0 }, CancellationToken.None);
            byte[] method = new byte[2];
            if (!await ReadExactlyAsync(socket, method) || method[0] != 5 || method[1] != 0) return (-1, socket);
            byte[] request;
            if (IPAddress.TryParse(host, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetwork)
            {
                request = [5, 1, 0, 1, .. address.GetAddressBytes(), 0, 0];
            }
            else
            {
                byte[] name = Encoding.ASCII.GetBytes(host);
                request = [5, 1, 0, 3, (byte)name.Length, .. name, 0, 0];
            }
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(request.Length - 2), (ushort)port);
            await LoopbackServer.SendAllAsync(socket, request, CancellationToken.None);
            byte[] head = new byte[4];
            if (!await ReadExactlyAsync(socket, head)) return (-1, socket);
            int addressLength = head[3] switch { 1 => 4, 4 => 16, _ => -1 };
            if (head[3] == 3)
            {
                byte[] length = new byte[1];
                if (!await ReadExactlyAsync(socket, length)) return (-1, socket);
                addressLength = length[0];
            }
            if (addressLength < 0 || !await ReadExactlyAsync(socket, new byte[addressLength + 2])) return (-1, socket);
            return (head[1], socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes; false on EOF or reset first.</summary>
    public static async Task<bool> ReadExactlyAsync(Socket socket, byte[] buffer)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None);
                if (n == 0) return false;
                total += n;
            }
        }
        catch (SocketException)
        {
            return false;
        }
        return true;
    }

    /// <summary>Writes <paramref name="length"/> bytes of a seeded pseudo-random stream, hashing them; half-closes after.</summary>
    public static async Task<byte[]> SendHashedAsync(Socket socket, long length, int seed, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(seed);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long left = length;
            while (left > 0)
            {
                int n = (int)Math.Min(left, 64 * 1024);
                random.NextBytes(buffer.AsSpan(0, n));
                hash.AppendData(buffer, 0, n);
                await LoopbackServer.SendAllAsync(socket, buffer.AsMemory(0, n), cancellationToken);
                left -= n;
            }
            socket.Shutdown(SocketShutdown.Send);
            return hash.GetHashAndReset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads to EOF, hashing; returns the SHA-256 and the byte count.</summary>
    public static async Task<(byte[] Hash, long Length)> ReceiveHashedAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        long total = 0;
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(0, 64 * 1024), SocketFlags.None, cancellationToken);
                if (n == 0) return (hash.GetHashAndReset(), total);
                hash.AppendData(buffer, 0, n);
                total += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The SHA-256 of <see cref="SendHashedAsync"/>'s stream for <paramref name="seed"/>, computed without a socket.</summary>
    public static byte[] ExpectedHash(long length, int seed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(seed);
        byte[] buffer = new byte[64 * 1024];
        for (long left = length; left > 0; left -= buffer.Length)
        {
            int n = (int)Math.Min(left, buffer.Length);
            random.NextBytes(buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
        }
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// A target that reads the request to EOF, then answers with its length and SHA-256 and half-closes: the answer
    /// proves the client's half-close arrived and that the other direction stayed open.
    /// </summary>
    public static LoopbackServer AnswerAfterEofTarget() => new(async (socket, ct) =>
    {
        byte[] request = await LoopbackServer.ReadToEndAsync(socket, ct);
        await LoopbackServer.SendAllAsync(socket, Encoding.ASCII.GetBytes(AnswerFor(request)), ct);
        socket.Shutdown(SocketShutdown.Send);
    });

    public static string AnswerFor(byte[] request) => $"got {request.Length} bytes, sha256 {Convert.ToHexString(SHA256.HashData(request))}";

    /// <summary>
    /// A target that sends <paramref name="greeting"/> and half-closes first, then reads what the client still sends
    /// to EOF and publishes it through <paramref name="received"/>.
    /// </summary>
    public static LoopbackServer GreetingTarget(byte[] greeting, TaskCompletionSource<byte[]> received) => new(async (socket, ct) =>
    {
        await LoopbackServer.SendAllAsync(socket, greeting, ct);
        socket.Shutdown(SocketShutdown.Send);
        received.TrySetResult(await LoopbackServer.ReadToEndAsync(socket, ct));
    });

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/>, sends <paramref name="data"/>, half-closes and returns everything read to EOF.</summary>
    public static async Task<byte[]> ExchangeAsync(int port, byte[] data)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return await ExchangeAsync(socket, data);
    }

    /// <summary>Sends <paramref name="data"/> on a connected socket, half-closes and returns everything read to EOF.</summary>
    public static async Task<byte[]> ExchangeAsync(Socket socket, byte[] data)
    {
        Task<byte[]> reading = LoopbackServer.ReadToEndAsync(socket, CancellationToken.None);
        await LoopbackServer.SendAllAsync(socket, data, CancellationToken.None);
        socket.Shutdown(SocketShutdown.Send);
        return await reading;
    }
}
