using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SshTunnel.Authentication;
using SshTunnel.Client;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Tests.Interop;
using static SshTunnel.Tests.Interop.ForwardingTestKit;

namespace SshTunnel.Tests.Independent;

/// <summary>
/// The forwarding scenarios run against each independent server: the sshtunnel executable with every forward kind
/// at once, and the library client with one algorithm combination per connection.
/// </summary>
internal static partial class IndependentScenarios
{
    public const int PayloadBytes = 512 * 1024;
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"^Allocated port (\d+) for remote forward to 127\.0\.0\.1:\d+$")]
    private static partial Regex AllocatedPortLine();

    /// <summary>Distinct free ports (a port just released can be handed out again by the next pick).</summary>
    internal static int[] DistinctClosedPorts(int count)
    {
        var picked = new HashSet<int>();
        while (picked.Count < count) picked.Add(ClosedPort());
        return [.. picked];
    }

    /// <summary>-F none, the server's known_hosts (strict), BatchMode, only the ed25519 key, -p.</summary>
    public static string[] CommonArgs(IndependentServer server) =>
    [
        "-F", "none", "-o", "UserKnownHostsFile=" + server.KnownHostsPath, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", server.ClientKeyPath, "-p", server.Port.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>
    /// One <c>sshtunnel -N</c> with -L, -R, -R 0, -D and a reverse dynamic -R (no target): each carries random bytes
    /// to an echo server and back, compared; then SIGTERM ends it with status 0.
    /// </summary>
    public static async Task AllForwardKindsAsync(IndependentServer server)
    {
        await using LoopbackServer echo = LoopbackServer.Echo();
        // Four different ports: a port just released can be handed out again, and -L and a remote -R on the same
        // 127.0.0.1 port would collide (seen once: the reverse dynamic -R was refused because -L held its port).
        int[] ports = DistinctClosedPorts(4);
        int local = ports[0], remote = ports[1], dynamic = ports[2], reverseDynamic = ports[3];
        string target = "127.0.0.1:" + echo.Port.ToString(CultureInfo.InvariantCulture);
        await using CliProcess cli = CliProcess.StartSshTunnel(
        [
            .. CommonArgs(server), "-v", "-N",
            "-L", $"127.0.0.1:{local}:{target}",
            "-R", $"127.0.0.1:{remote}:{target}",
            "-R", $"127.0.0.1:0:{target}",
            "-D", $"127.0.0.1:{dynamic}",
            "-R", $"127.0.0.1:{reverseDynamic}",
            $"{IndependentServer.UserName}@127.0.0.1",
        ]);
        string Context() => $"{server.Name}: sshtunnel said:\n{string.Join('\n', cli.ErrorLines)}\nserver log:\n{server.Log}";
        int allocated;
        try
        {
            await cli.WaitForLineAsync(l => l == $"debug1: Local connections to 127.0.0.1:{local} forwarded to remote address {target}", ReadyTimeout);
            await cli.WaitForLineAsync(l => l == $"debug1: Local connections to 127.0.0.1:{dynamic} forwarded to remote address socks:0", ReadyTimeout);
            await cli.WaitForLineAsync(l => l == $"debug1: remote forward success for: listen [127.0.0.1]:{remote}, connect {target}", ReadyTimeout);
            await cli.WaitForLineAsync(l => l == $"debug1: remote forward success for: listen [127.0.0.1]:{reverseDynamic}, connect socks:0", ReadyTimeout);
            string line = await cli.WaitForLineAsync(l => AllocatedPortLine().IsMatch(l), ReadyTimeout);
            allocated = int.Parse(AllocatedPortLine().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{Context()}");
        }

        async Task CheckAsync(string scenario, Func<byte[], Task<byte[]>> exchange)
        {
            byte[] data = RandomNumberGenerator.GetBytes(PayloadBytes);
            byte[] back;
            try
            {
                back = await exchange(data).WithTimeout(TimeSpan.FromSeconds(30));
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"{scenario}: {e.GetType().Name}: {e.Message}\n{Context()}");
            }
            Assert.True(data.AsSpan().SequenceEqual(back), $"{scenario}: {back.Length} bytes came back, not the {data.Length} sent\n{Context()}");
        }

        await CheckAsync("-L", data => ExchangeAsync(local, data));
        await CheckAsync("-R", data => ExchangeAsync(remote, data));
        await CheckAsync("-R 0", data => ExchangeAsync(allocated, data));
        await CheckAsync("-D", data => SocksExchangeAsync(dynamic, echo.Port, data));
        await CheckAsync("-R (reverse dynamic)", data => SocksExchangeAsync(reverseDynamic, echo.Port, data));

        await cli.TerminateAsync();
        var (exit, errors, _) = await cli.CompleteAsync(ProcessTimeout);
        Assert.True(exit == 0, $"exit {exit}\n{Context()}");
        Assert.DoesNotContain(errors, l => l.Contains("WARNING", StringComparison.Ordinal) || l.Contains("failed", StringComparison.Ordinal));
        Assert.Empty(echo.Errors);
    }

    /// <summary>A SOCKS5 CONNECT to 127.0.0.1:<paramref name="port"/> through <paramref name="proxyPort"/>, then the exchange.</summary>
    private static async Task<byte[]> SocksExchangeAsync(int proxyPort, int port, byte[] data)
    {
        var (reply, socket) = await Socks5ConnectAsync(proxyPort, "127.0.0.1", port);
        using (socket)
        {
            Assert.True(reply == 0, $"SOCKS5 reply {reply}");
            return await ExchangeAsync(socket, data);
        }
    }

    /// <summary>
    /// The library client with exactly one key exchange, host key algorithm, cipher and MAC offered (so the connection
    /// works only if that combination does), the user key <paramref name="userKey"/>, and optionally zlib: random
    /// bytes through a direct-tcpip channel to an echo server and back; with <paramref name="rekey"/>, a key
    /// re-exchange and a second round.
    /// </summary>
    public static async Task AlgorithmsAsync(IndependentServer server, string kex, string hostKeyAlgorithm, string cipher, string? mac, string userKey,
        bool compression = false, bool rekey = false)
    {
        await using LoopbackServer echo = LoopbackServer.Echo();
        var verifier = new KnownHostsVerifier
        {
            Mode = StrictHostKeyChecking.Yes,
            UserKnownHostsFiles = [server.KnownHostsPath],
            GlobalKnownHostsFiles = [],
            BatchMode = true,
        };
        string keyPath = server.UserKeys[userKey];
        using SshPrivateKey key = PrivateKeyFile.Load(keyPath);
        var options = new SshClientOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            KexAlgorithms = [kex],
            HostKeyAlgorithms = [hostKeyAlgorithm],
            Ciphers = [cipher],
            Macs = mac is null ? null : [mac],
            Compression = compression,
            VerifyHostKeyAsync = verifier.VerifyAsync,
            Authentication = new ClientAuthenticationOptions
            {
                UserName = IndependentServer.UserName,
                Host = "127.0.0.1",
                Identities = [new ClientIdentity(key, keyPath)],
                IdentityAgent = "none",
                IdentitiesOnly = true,
                BatchMode = true,
                PreferredAuthentications = ["publickey"],
            },
        };
        string combination = $"{server.Name}: {kex} / {hostKeyAlgorithm} / {cipher} / {mac ?? "(AEAD)"} / {userKey} key{(compression ? " / zlib" : "")}";
        SshClient client;
        try
        {
            client = await SshClient.ConnectAsync(options).WithTimeout(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{combination}: {e.GetType().Name}: {e.Message}\nserver log:\n{server.Log}");
        }
        await using (client)
        {
            await RoundTripAsync(client, echo.Port, combination).WithTimeout(TimeSpan.FromSeconds(30));
            if (rekey)
            {
                await client.RekeyAsync().WithTimeout(TimeSpan.FromSeconds(30));
                await RoundTripAsync(client, echo.Port, combination + " after rekey").WithTimeout(TimeSpan.FromSeconds(30));
            }
        }
        Assert.Empty(echo.Errors);
    }

    private static async Task RoundTripAsync(SshClient client, int echoPort, string combination)
    {
        byte[] data = RandomNumberGenerator.GetBytes(PayloadBytes);
        await using var stream = await client.OpenDirectTcpipAsync("127.0.0.1", echoPort);
        Task<byte[]> reading = ReadToEndAsync(stream);
        await stream.WriteAsync(data);
        await stream.CompleteWritesAsync();
        byte[] back = await reading;
        Assert.True(data.AsSpan().SequenceEqual(back), $"{combination}: {back.Length} bytes came back, not the {data.Length} sent");
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        return memory.ToArray();
    }

    /// <summary>A -F config for a -J chain: the ed25519 key, both servers' known_hosts (strict), BatchMode.</summary>
    public static string WriteJumpConfig(string directory, IndependentServer first, IndependentServer second)
    {
        string knownHosts = Path.Combine(directory, "jump_known_hosts_" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(knownHosts, File.ReadAllText(first.KnownHostsPath) + File.ReadAllText(second.KnownHostsPath));
        // Both servers authorise the other's ed25519 key too: IdentityFile lists each.
        string config = knownHosts + ".config";
        File.WriteAllLines(config,
        [
            "Host *",
            "    IdentityFile " + first.ClientKeyPath,
            "    IdentityFile " + second.ClientKeyPath,
            "    IdentitiesOnly yes",
            "    IdentityAgent none",
            "    UserKnownHostsFile " + knownHosts,
            "    StrictHostKeyChecking yes",
            "    BatchMode yes",
        ]);
        return config;
    }
}
