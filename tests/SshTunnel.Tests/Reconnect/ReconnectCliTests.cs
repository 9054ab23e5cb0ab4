using System.Globalization;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Tests.Gateway;
using SshTunnel.Tests.Interop;
using SshTunnel.Tests.Server;

namespace SshTunnel.Tests.Reconnect;

/// <summary>
/// The sshtunnel executable with -N against an in-process server that is stopped and started again on the same port:
/// with -o Reconnect=yes the tunnel comes back; without it, sshtunnel exits 255 as ssh does.
/// </summary>
public sealed class ReconnectCliTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("sshtunnel-reconnect-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>alice's key as a file (ssh-keygen) and the server that accepts it.</summary>
    private async Task<(RestartableServer Server, string KeyPath)> StartServerAsync()
    {
        string keyPath = Path.Combine(_dir, "id_ed25519");
        GatewayProcess.RunTool(GatewayProcess.SshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "alice@test", "-f", keyPath);
        SshPrivateKey userKey = PrivateKeyFile.Load(keyPath);
        return (await RestartableServer.StartAsync(userKey), keyPath);
    }

    private string[] Args(RestartableServer server, string keyPath, params string[] extra)
    {
        string knownHosts = Path.Combine(_dir, "known_hosts");
        File.WriteAllText(knownHosts, $"[127.0.0.1]:{server.Port} {server.HostKey.PublicKey.ToOpenSshString()}\n");
        return
        [
            "-F", "none", "-v", "-N", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
            "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts, "-i", keyPath,
            "-p", server.Port.ToString(CultureInfo.InvariantCulture), .. extra, "alice@127.0.0.1",
        ];
    }

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [OpenSshClientFact]
    public async Task LocalForward_ComesBack_AfterTheServerRestarts_AndSigtermStillExitsZero()
    {
        await using var echo = new EchoServer();
        (RestartableServer server, string key) = await StartServerAsync();
        await using var _ = server;
        int localPort = GatewayProcess.FreePort();
        await using CliProcess cli = CliProcess.StartSshTunnel(Args(server, key, "-o", "Reconnect=yes", "-o", "ReconnectMaxDelay=1", "-L", $"127.0.0.1:{localPort}:127.0.0.1:{echo.Port}"));
        await cli.WaitForLineAsync(l => l.Contains($"Local connections to 127.0.0.1:{localPort} forwarded", StringComparison.Ordinal), Timeout);
        Assert.Equal("one", await EchoClient.RoundTripAsync(localPort, "one"));

        await server.StopAsync();
        await cli.WaitForLineAsync(l => l == "Connection to 127.0.0.1 closed by remote host.", Timeout);
        await cli.WaitForLineAsync(l => l.StartsWith($"Reconnecting to 127.0.0.1 port {server.Port} in ", StringComparison.Ordinal), Timeout);
        await server.StartAgainAsync();
        await cli.WaitForLineAsync(l => l == $"Reconnected to 127.0.0.1 port {server.Port} (reconnection 1).", Timeout);
        Assert.Equal("two", await EchoClient.RoundTripAsync(localPort, "two"));

        await cli.TerminateAsync();
        Assert.Equal(0, await cli.WaitForExitAsync(Timeout));
    }

    [OpenSshClientFact]
    public async Task RemoteForward_IsRequestedAgain_AfterReconnecting()
    {
        await using var echo = new EchoServer();
        (RestartableServer server, string key) = await StartServerAsync();
        await using var _ = server;
        int remotePort = StablePorts.Pick();
        await using CliProcess cli = CliProcess.StartSshTunnel(Args(server, key, "-o", "Reconnect=yes", "-o", "ReconnectMaxDelay=1", "-R", $"127.0.0.1:{P(remotePort)}:127.0.0.1:{P(echo.Port)}"));
        string success = $"remote forward success for: listen 127.0.0.1:{remotePort}";
        await cli.WaitForLineAsync(l => l.Contains(success, StringComparison.Ordinal) || l.Contains($"listen [127.0.0.1]:{remotePort}", StringComparison.Ordinal), Timeout);
        Assert.Equal("one", await EchoClient.RoundTripAsync(remotePort, "one"));

        await server.StopAsync();
        await cli.WaitForLineAsync(l => l.StartsWith("Reconnecting to 127.0.0.1", StringComparison.Ordinal), Timeout);
        await server.StartAgainAsync();
        await cli.WaitForLineAsync(l => l.StartsWith("Reconnected to 127.0.0.1", StringComparison.Ordinal), Timeout);
        int seen = 0;
        await cli.WaitForLineAsync(l => l.Contains("remote forward success for: listen", StringComparison.Ordinal) && ++seen == 2, Timeout);
        Assert.Equal("two", await EchoClient.RoundTripAsync(remotePort, "two"));
    }

    [OpenSshClientFact]
    public async Task ChangedHostKey_OnRestart_IsRefusedWithSshsWarning_AndExit255()
    {
        (RestartableServer server, string key) = await StartServerAsync();
        await using var _ = server;
        int localPort = GatewayProcess.FreePort();
        await using CliProcess cli = CliProcess.StartSshTunnel(Args(server, key, "-o", "Reconnect=yes", "-o", "ReconnectMaxDelay=1", "-L", $"127.0.0.1:{localPort}:127.0.0.1:9"));
        await cli.WaitForLineAsync(l => l.Contains($"Local connections to 127.0.0.1:{localPort} forwarded", StringComparison.Ordinal), Timeout);

        await server.StopAsync();
        using var impostor = Ed25519PrivateKey.Generate();
        await server.StartAgainAsync(impostor);
        var (exit, errors, _) = await cli.CompleteAsync(Timeout);
        Assert.True(exit == 255, $"exit {exit}:\n{string.Join('\n', errors)}");
        Assert.Contains("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @", errors);
        Assert.Contains(impostor.PublicKey.Fingerprint + ".", errors);
        Assert.Equal("Host key verification failed.", errors[^1]);
        Assert.DoesNotContain(errors, l => l.StartsWith("Reconnected", StringComparison.Ordinal));
    }

    [OpenSshClientFact]
    public async Task WithoutTheOption_ConnectionLoss_Exits255AsSshDoes()
    {
        (RestartableServer server, string key) = await StartServerAsync();
        await using var _ = server;
        int localPort = GatewayProcess.FreePort();
        await using CliProcess cli = CliProcess.StartSshTunnel(Args(server, key, "-L", $"127.0.0.1:{localPort}:127.0.0.1:9"));
        await cli.WaitForLineAsync(l => l.Contains($"Local connections to 127.0.0.1:{localPort} forwarded", StringComparison.Ordinal), Timeout);

        await server.StopAsync();
        var (exit, errors, _) = await cli.CompleteAsync(Timeout);
        Assert.Equal(255, exit);
        Assert.Equal("Connection to 127.0.0.1 closed by remote host.", errors[^1]);
        Assert.DoesNotContain(errors, l => l.StartsWith("Reconnect", StringComparison.Ordinal));
    }

    [OpenSshClientFact]
    public async Task ReconnectMaxAttempts_GivesUp_WithExit255()
    {
        (RestartableServer server, string key) = await StartServerAsync();
        await using var _ = server;
        await using CliProcess cli = CliProcess.StartSshTunnel(Args(server, key, "-o", "Reconnect=yes", "-o", "ReconnectMaxDelay=1", "-o", "ReconnectMaxAttempts=2"));
        await cli.WaitForLineAsync(l => l.StartsWith("Authenticated to 127.0.0.1", StringComparison.Ordinal), Timeout);
        await server.StopAsync();
        var (exit, errors, _) = await cli.CompleteAsync(Timeout);
        Assert.Equal(255, exit);
        Assert.Equal(2, errors.Count(l => l.StartsWith("Reconnecting to 127.0.0.1", StringComparison.Ordinal)));
        Assert.Equal($"Giving up reconnecting to 127.0.0.1 port {server.Port} after 2 attempts: ssh: connect to host 127.0.0.1 port {server.Port}: Connection refused", errors[^1]);
    }
}
