using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SshTunnel.Tests.Gateway;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Tests.Interop;
using static SshTunnel.Tests.Interop.ForwardingTestKit;

namespace SshTunnel.Tests.Independent;

/// <summary>One sshtunneld for the independent-client tests, started on first use.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private GatewayProcess? _gateway;

    internal async Task<GatewayProcess> GetAsync()
    {
        await _lock.WaitAsync();
        try
        {
            return _gateway ??= await GatewayProcess.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        _lock.Dispose();
    }
}

/// <summary>
/// Independent SSH clients through sshtunneld: Dropbear's dbclient (-L, -R, -R 0, with its default chacha20-poly1305
/// and with aes256-ctr + hmac-sha2-256, and a two-hop "a,b" chain), PuTTY's plink (-L, -R, -D, and -proxycmd "plink
/// -nc" as a jump host) and AsyncSSH's client (direct-tcpip, local, remote port 0 and SOCKS forwarding, and a tunnelled
/// connection). Every forward carries random bytes to an echo server and back, compared. The clients' HOME is a
/// temporary directory (dbclient reads known_hosts there; plink writes its random seed there).
/// </summary>
[Trait("Category", "Interop")]
public sealed partial class GatewayIndependentClientsTests : IClassFixture<GatewayFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly GatewayFixture _fixture;

    public GatewayIndependentClientsTests(GatewayFixture fixture) => _fixture = fixture;

    [GeneratedRegex(@"Allocated port (\d+) for remote forward to ")]
    private static partial Regex AllocatedPortLine();

    private static string HostKeyLine(GatewayProcess gateway) =>
        string.Join(' ', File.ReadAllText(Path.Combine(gateway.StateDirectory, "ssh_host_ed25519_key.pub")).Split(' ').Take(2));

    private static string NewHome(GatewayProcess gateway)
    {
        string home = Path.Combine(gateway.Directory, "home-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(home, ".ssh"));
        return home;
    }

    private static async Task CheckEchoAsync(string scenario, Func<byte[], Task<byte[]>> exchange, Func<string> context)
    {
        byte[] data = RandomNumberGenerator.GetBytes(IndependentScenarios.PayloadBytes);
        byte[] back;
        try
        {
            back = await exchange(data).WithTimeout(Timeout);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{scenario}: {e.GetType().Name}: {e.Message}\n{context()}");
        }
        Assert.True(data.AsSpan().SequenceEqual(back), $"{scenario}: {back.Length} bytes came back, not the {data.Length} sent\n{context()}");
    }

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
    /// dbclient -N with -L, -R and -R 0. dbclient prints nothing when a -L listener is up, but it binds its -L ports
    /// before it sends its tcpip-forward requests (cli-session.c), so the gateway's "Remote forward listening" line and
    /// dbclient's "Allocated port" line mean every forward is ready.
    /// </summary>
    [DbClientTheory]
    [InlineData(null, null)]
    [InlineData("aes256-ctr", "hmac-sha2-256")]
    public async Task DbClient_LocalRemoteAndRemotePortZero(string? cipher, string? mac)
    {
        GatewayProcess gateway = await _fixture.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        string home = NewHome(gateway);
        await File.WriteAllTextAsync(Path.Combine(home, ".ssh", "known_hosts"), "127.0.0.1 " + HostKeyLine(gateway) + "\n");
        string key = Path.Combine(home, "id_dropbear");
        IndependentTools.RunChecked(IndependentTools.DropbearConvert, "openssh", "dropbear", gateway.KeyPath, key);
        int[] ports = IndependentScenarios.DistinctClosedPorts(2);
        int local = ports[0], remote = ports[1];
        string target = "127.0.0.1:" + echo.Port.ToString(CultureInfo.InvariantCulture);
        await using var client = new ChildProcess(IndependentTools.DbClient,
        [
            "-N", "-i", key, "-p", gateway.Port.ToString(CultureInfo.InvariantCulture),
            .. (cipher is null ? Array.Empty<string>() : ["-c", cipher, "-m", mac!]),
            "-L", $"127.0.0.1:{local}:{target}", "-R", $"127.0.0.1:{remote}:{target}", "-R", $"127.0.0.1:0:{target}",
            "alice@127.0.0.1",
        ], new Dictionary<string, string> { ["HOME"] = home });
        string Context() => $"dbclient: {client.Stderr}\ngateway: {gateway.Process.Stderr}";
        int allocated;
        try
        {
            await gateway.Process.WaitForStderrAsync($"Remote forward listening on 127.0.0.1:{remote} for user alice", Timeout);
            string line = await client.WaitForStderrAsync("Allocated port ", Timeout);
            allocated = int.Parse(AllocatedPortLine().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{Context()}");
        }
        await CheckEchoAsync("dbclient -L", data => ExchangeAsync(local, data), Context);
        await CheckEchoAsync("dbclient -R", data => ExchangeAsync(remote, data), Context);
        await CheckEchoAsync("dbclient -R 0", data => ExchangeAsync(allocated, data), Context);
        Assert.Empty(echo.Errors);
    }

    /// <summary>dbclient's multi-hop form "alice@host/port,alice@host/port" (the first hop opens direct-tcpip to the second) with a -L at the end.</summary>
    [DbClientFact]
    public async Task DbClient_TwoHopChain_CarriesLocalForward()
    {
        GatewayProcess gateway = await _fixture.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        string home = NewHome(gateway);
        await File.WriteAllTextAsync(Path.Combine(home, ".ssh", "known_hosts"), "127.0.0.1 " + HostKeyLine(gateway) + "\n");
        string key = Path.Combine(home, "id_dropbear");
        IndependentTools.RunChecked(IndependentTools.DropbearConvert, "openssh", "dropbear", gateway.KeyPath, key);
        int local = ClosedPort();
        string target = "127.0.0.1:" + echo.Port.ToString(CultureInfo.InvariantCulture);
        string hop = "alice@127.0.0.1/" + gateway.Port.ToString(CultureInfo.InvariantCulture);
        // dbclient runs itself for the first hop: by its full path (argv[0]). The -R 0 is only the readiness signal.
        await using var client = new ChildProcess(IndependentTools.DbClient,
            ["-N", "-i", key, "-L", $"127.0.0.1:{local}:{target}", "-R", $"127.0.0.1:0:{target}", hop + "," + hop],
            new Dictionary<string, string> { ["HOME"] = home });
        string Context() => $"dbclient: {client.Stderr}\ngateway: {gateway.Process.Stderr}";
        try
        {
            await client.WaitForStderrAsync("Allocated port ", Timeout);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{Context()}");
        }
        await CheckEchoAsync("dbclient a,b -L", data => ExchangeAsync(local, data), Context);
        Assert.Empty(echo.Errors);
    }

    /// <summary>plink -v -N with -L, -R and -D (its -v lines say when each is up), then plink through "plink -nc" as a proxy command.</summary>
    [PlinkFact]
    public async Task Plink_LocalRemoteDynamic_AndProxyCommandJump()
    {
        GatewayProcess gateway = await _fixture.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        string home = NewHome(gateway);
        string ppk = Path.Combine(home, "id.ppk");
        IndependentTools.RunChecked(IndependentTools.PuttyGen, gateway.KeyPath, "-O", "private", "-o", ppk);
        string fingerprint = "SHA256:" + Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(HostKeyLine(gateway).Split(' ')[1]))).TrimEnd('=');
        string[] common = ["-batch", "-ssh", "-noagent", "-i", ppk, "-hostkey", fingerprint, "-P", gateway.Port.ToString(CultureInfo.InvariantCulture), "-l", "alice"];
        var environment = new Dictionary<string, string> { ["HOME"] = home };
        int[] ports = IndependentScenarios.DistinctClosedPorts(3);
        int local = ports[0], remote = ports[1], dynamic = ports[2];
        string target = "127.0.0.1:" + echo.Port.ToString(CultureInfo.InvariantCulture);

        await using (var plink = new ChildProcess(IndependentTools.Plink,
            ["-v", .. common, "-N", "-L", $"127.0.0.1:{local}:{target}", "-R", $"127.0.0.1:{remote}:{target}", "-D", $"127.0.0.1:{dynamic}", "127.0.0.1"], environment))
        {
            string Context() => $"plink: {plink.Stderr}\ngateway: {gateway.Process.Stderr}";
            try
            {
                await plink.WaitForStderrAsync($"Local port 127.0.0.1:{local} forwarding to {target}", Timeout);
                await plink.WaitForStderrAsync($"Local port 127.0.0.1:{dynamic} SOCKS dynamic forwarding", Timeout);
                await plink.WaitForStderrAsync($"Remote port forwarding from 127.0.0.1:{remote} enabled", Timeout);
            }
            catch (Xunit.Sdk.XunitException e)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\n{Context()}");
            }
            await CheckEchoAsync("plink -L", data => ExchangeAsync(local, data), Context);
            await CheckEchoAsync("plink -R", data => ExchangeAsync(remote, data), Context);
            await CheckEchoAsync("plink -D", data => SocksExchangeAsync(dynamic, echo.Port, data), Context);
        }

        // A jump host the PuTTY way: the outer plink's connection is an inner "plink -nc" (a direct-tcpip channel).
        string proxyCommand = string.Join(' ', new[] { IndependentTools.Plink }.Concat(common).Append("-nc").Append("%host:%port").Append("127.0.0.1"));
        int jumpLocal = ClosedPort();
        await using (var jumped = new ChildProcess(IndependentTools.Plink,
            ["-v", .. common, "-proxycmd", proxyCommand, "-N", "-L", $"127.0.0.1:{jumpLocal}:{target}", "127.0.0.1"], environment))
        {
            string Context() => $"plink: {jumped.Stderr}\ngateway: {gateway.Process.Stderr}";
            try
            {
                await jumped.WaitForStderrAsync($"Local port 127.0.0.1:{jumpLocal} forwarding to {target}", Timeout);
            }
            catch (Xunit.Sdk.XunitException e)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\n{Context()}");
            }
            await CheckEchoAsync("plink -proxycmd 'plink -nc' -L", data => ExchangeAsync(jumpLocal, data), Context);
        }
        Assert.Empty(echo.Errors);
    }

    private const string AsyncSshClientScript = """
        import asyncio, os, socket, struct, sys, asyncssh
        port, key, known, echo = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
        def check(name, sent, got):
            if sent != got: raise SystemExit(f"{name}: {len(got)} bytes back, not the {len(sent)} sent")
            print(name, "ok", flush=True)
        async def exchange(reader, writer, data):
            writer.write(data); writer.write_eof(); got = await reader.read(); writer.close(); return got
        async def tcp_exchange(p, data):
            return await exchange(*await asyncio.open_connection("127.0.0.1", p), data)
        async def socks_exchange(p, data):
            r, w = await asyncio.open_connection("127.0.0.1", p)
            w.write(b"\x05\x01\x00"); assert await r.readexactly(2) == b"\x05\x00"
            w.write(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", echo))
            head = await r.readexactly(4); assert head[1] == 0, head; await r.readexactly(6)
            return await exchange(r, w, data)
        async def main():
            opts = dict(username="alice", client_keys=[key], known_hosts=known, agent_path=None, rekey_bytes=1 << 20)
            async with asyncssh.connect("127.0.0.1", port, **opts) as conn:
                data = os.urandom(int(sys.argv[5]))
                check("open_connection", data, await exchange(*await conn.open_connection("127.0.0.1", echo), data))
                local = await conn.forward_local_port("127.0.0.1", 0, "127.0.0.1", echo)
                check("forward_local_port", data, await tcp_exchange(local.get_port(), data))
                remote = await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", echo)
                check("forward_remote_port 0", data, await tcp_exchange(remote.get_port(), data))
                remote.close(); await remote.wait_closed()
                socks = await conn.forward_socks("127.0.0.1", 0)
                check("forward_socks", data, await socks_exchange(socks.get_port(), data))
                async with asyncssh.connect("127.0.0.1", port, tunnel=conn, **opts) as inner:
                    check("tunnel", data, await exchange(*await inner.open_connection("127.0.0.1", echo), data))
        asyncio.run(main())
        """;

    /// <summary>
    /// AsyncSSH's client: open_connection (direct-tcpip), forward_local_port, forward_remote_port with port 0,
    /// forward_socks, and a connection tunnelled through the first; it rekeys every MiB (client-initiated re-exchanges
    /// with a data packet right after its KEXINIT).
    /// </summary>
    [AsyncSshFact]
    public async Task AsyncSsh_DirectLocalRemoteSocksAndTunnel()
    {
        GatewayProcess gateway = await _fixture.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        string home = NewHome(gateway);
        string knownHosts = Path.Combine(home, "known_hosts");
        await File.WriteAllTextAsync(knownHosts, $"[127.0.0.1]:{gateway.Port} {HostKeyLine(gateway)}\n");
        string script = Path.Combine(home, "client.py");
        await File.WriteAllTextAsync(script, AsyncSshClientScript);
        await using var python = new ChildProcess(IndependentTools.Python,
            ["-W", "ignore", script, gateway.Port.ToString(CultureInfo.InvariantCulture), gateway.KeyPath, knownHosts,
             echo.Port.ToString(CultureInfo.InvariantCulture), IndependentScenarios.PayloadBytes.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["HOME"] = home });
        int status = await python.WaitForExitAsync(TimeSpan.FromSeconds(60));
        string context = $"asyncssh ({status}): {python.Stderr}\n{python.Stdout}\ngateway: {gateway.Process.Stderr}";
        Assert.True(status == 0, context);
        Assert.Equal(["open_connection ok", "forward_local_port ok", "forward_remote_port 0 ok", "forward_socks ok", "tunnel ok"],
            python.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(echo.Errors);
    }
}
