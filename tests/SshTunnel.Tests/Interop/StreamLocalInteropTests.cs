using System.Net;
using System.Net.Sockets;
using SshTunnel.Client;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Forwarding;
using SshTunnel.Tests.Forwarding;
using SshTunnel.Tests.Gateway;
using SshTunnel.Tests.Infrastructure;

namespace SshTunnel.Tests.Interop;

/// <summary>One OpenSSH sshd with AllowStreamLocalForwarding yes for the streamlocal interop tests.</summary>
public sealed class StreamLocalSshdFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private OpenSshServer? _server;

    internal async Task<OpenSshServer> GetAsync()
    {
        await _lock.WaitAsync();
        try
        {
            if (_server is not null) return _server;
            OpenSshServer server = await OpenSshServer.StartAsync(["AllowStreamLocalForwarding yes"]).WithTimeout();
            server.WriteKnownHosts();
            return _server = server;
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _lock.Dispose();
    }
}

/// <summary>
/// Streamlocal forwarding against OpenSSH: our <see cref="SshClient"/> against sshd (-L port:/path, -R /path:host:port,
/// -R /path:/path), and OpenSSH's ssh against the sshtunneld executable (-L port:/path, -R /path:host:port).
/// </summary>
public sealed class StreamLocalInteropTests : IClassFixture<StreamLocalSshdFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly StreamLocalSshdFixture _fixture;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("st");

    public StreamLocalInteropTests(StreamLocalSshdFixture fixture) => _fixture = fixture;

    public void Dispose() => _directory.Delete(recursive: true);

    private string SocketPath(string name) => Path.Combine(_directory.FullName, name);

    // ------------------------------------------------------------------ SshClient -> OpenSSH sshd

    [OpenSshFact]
    public async Task SshClient_LocalForward_TcpToRemoteUnix_ThroughSshd()
    {
        OpenSshServer server = await _fixture.GetAsync();
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        await using SshClient client = await ClientInteropFixture.ConnectAsync(server);
        // "-L 127.0.0.1:0:/path" (port 0 is only reachable through the library).
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Local, ListenHost = "127.0.0.1", ListenPort = 0, ConnectPath = target.Path };
        await using LocalForward forward = await client.StartLocalForwardAsync(spec).WithTimeout();
        using Socket socket = await StreamLocalIo.ConnectAsync(forward.ListenEndPoints[0]);
        await StreamLocalIo.RoundTripAsync(socket, 200_000);
        Assert.Equal(1, target.Accepted);
    }

    [OpenSshFact]
    public async Task SshClient_DirectStreamLocal_MissingSocket_SshdSaysOpenFailed()
    {
        OpenSshServer server = await _fixture.GetAsync();
        await using SshClient client = await ClientInteropFixture.ConnectAsync(server);
        var e = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => client.OpenDirectStreamLocalAsync(SocketPath("missing.sock")).WithTimeout());
        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, e.Reason);
        Assert.Equal("open failed", e.Description);
    }

    [OpenSshFact]
    public async Task SshClient_RemoteForward_RemoteUnixToTcp_ThroughSshd_Mode0600_Cancel()
    {
        OpenSshServer server = await _fixture.GetAsync();
        await using var target = EofEchoServer.Tcp();
        await using SshClient client = await ClientInteropFixture.ConnectAsync(server);
        string listen = SocketPath("r.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = target.Port };
        RemoteForward forward = await client.StartRemoteForwardAsync(spec).WithTimeout();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, StreamLocalIo.ModeOf(listen)); // sshd's StreamLocalBindMask 0177
        using (Socket socket = await StreamLocalIo.ConnectAsync(listen))
        {
            await StreamLocalIo.RoundTripAsync(socket, 200_000);
        }
        Assert.Equal(1, target.Accepted);

        await forward.DisposeAsync(); // cancel-streamlocal-forward@openssh.com: sshd closes the listener (the file stays)
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            try
            {
                using Socket probe = await StreamLocalIo.ConnectAsync(listen);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                break;
            }
            await Task.Delay(20, cts.Token);
        }
        Assert.True(File.Exists(listen));
    }

    [OpenSshFact]
    public async Task SshClient_RemoteForward_RemoteUnixToLocalUnix_ThroughSshd()
    {
        OpenSshServer server = await _fixture.GetAsync();
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        await using SshClient client = await ClientInteropFixture.ConnectAsync(server);
        string listen = SocketPath("r.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen, ConnectPath = target.Path };
        await using RemoteForward forward = await client.StartRemoteForwardAsync(spec).WithTimeout();
        using Socket socket = await StreamLocalIo.ConnectAsync(listen);
        await StreamLocalIo.RoundTripAsync(socket, 100_000);
        Assert.Equal(1, target.Accepted);
    }

    [OpenSshFact]
    public async Task SshClient_RemoteForward_StaleSocket_SshdRefuses()
    {
        OpenSshServer server = await _fixture.GetAsync();
        string listen = SocketPath("r.sock");
        StreamLocalIo.CreateStaleSocket(listen);
        await using SshClient client = await ClientInteropFixture.ConnectAsync(server);
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = 9 };
        var e = await Assert.ThrowsAsync<SshRequestRejectedException>(() => client.StartRemoteForwardAsync(spec).WithTimeout());
        Assert.Equal($"remote port forwarding failed for listen path {listen}", e.Message);
    }

    // ------------------------------------------------------------------ sshtunnel (and ssh, for comparison) -> sshd

    private string[] CliArgs(OpenSshServer server, params string[] options) =>
    [
        "-F", "none", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", server.ClientKeyPath,
        "-o", "UserKnownHostsFile=" + server.KnownHostsPath, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
        .. options, $"{server.UserName}@127.0.0.1",
    ];

    private static bool[] Clients() => CliProcess.OpenSshClientAvailable ? [false, true] : [false];

    [OpenSshFact]
    public async Task Cli_LocalForward_UnixToUnix_CarriesData_LikeSsh()
    {
        OpenSshServer server = await _fixture.GetAsync();
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        foreach (bool openSsh in Clients())
        {
            string listen = SocketPath(openSsh ? "ssh.sock" : "tun.sock");
            await using CliProcess cli = CliProcess.Start(openSsh, CliArgs(server, "-v", "-N", "-o", "ExitOnForwardFailure=yes", "-L", $"{listen}:{target.Path}"));
            await cli.WaitForLineAsync(openSsh
                ? line => line == "debug1: Entering interactive session."
                : line => line == $"debug1: Local connections to {listen} forwarded to remote address {target.Path}", Timeout);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, StreamLocalIo.ModeOf(listen));
            using (Socket socket = await StreamLocalIo.ConnectAsync(listen))
            {
                await StreamLocalIo.RoundTripAsync(socket, 100_000);
            }
            await cli.TerminateAsync();
            await cli.WaitForExitAsync(Timeout);
        }
        Assert.Equal(Clients().Length, target.Accepted);
    }

    [OpenSshFact]
    public async Task Cli_LocalForward_StaleSocket_SameMessagesAsSsh_UnlessStreamLocalBindUnlink()
    {
        OpenSshServer server = await _fixture.GetAsync();
        foreach (bool openSsh in Clients())
        {
            string listen = SocketPath(openSsh ? "ssh.sock" : "tun.sock");
            StreamLocalIo.CreateStaleSocket(listen);
            await using (CliProcess cli = CliProcess.Start(openSsh, CliArgs(server, "-N", "-o", "ExitOnForwardFailure=yes", "-L", $"{listen}:127.0.0.1:9")))
            {
                var (exit, errors, _) = await cli.CompleteAsync(Timeout);
                Assert.True(exit == 255, $"{cli.Name}: exit {exit}\n{string.Join('\n', errors)}");
                Assert.Contains($"unix_listener: cannot bind to path {listen}: Address already in use", errors);
                Assert.Contains("Could not request local forwarding.", errors);
            }
            await using (CliProcess cli = CliProcess.Start(openSsh, CliArgs(server, "-v", "-N", "-o", "ExitOnForwardFailure=yes", "-o", "StreamLocalBindUnlink=yes", "-L", $"{listen}:127.0.0.1:9")))
            {
                await cli.WaitForLineAsync(openSsh
                    ? line => line == "debug1: Entering interactive session."
                    : line => line.StartsWith($"debug1: Local connections to {listen} ", StringComparison.Ordinal), Timeout);
                await cli.TerminateAsync();
                await cli.WaitForExitAsync(Timeout);
            }
        }
    }

    [OpenSshFact]
    public async Task Cli_RemoteForward_StaleRemoteSocket_WarningLikeSsh()
    {
        OpenSshServer server = await _fixture.GetAsync();
        foreach (bool openSsh in Clients())
        {
            string listen = SocketPath(openSsh ? "ssh.sock" : "tun.sock");
            StreamLocalIo.CreateStaleSocket(listen);
            await using CliProcess cli = CliProcess.Start(openSsh, CliArgs(server, "-N", "-o", "ExitOnForwardFailure=yes", "-R", $"{listen}:127.0.0.1:9"));
            var (exit, errors, _) = await cli.CompleteAsync(Timeout);
            Assert.True(exit == 255, $"{cli.Name}: exit {exit}\n{string.Join('\n', errors)}");
            Assert.Contains($"Error: remote port forwarding failed for listen path {listen}", errors);
        }
    }

    // ------------------------------------------------------------------ OpenSSH ssh -> sshtunneld

    [OpenSshClientFact]
    public async Task OpenSshClient_LocalForwardToUnixPath_ThroughGateway()
    {
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(configLines: ["AllowStreamLocalForwarding yes"]);
        int localPort = GatewayProcess.FreePort();
        await using ChildProcess ssh = gateway.StartSsh("-v", "-N", "-o", "ExitOnForwardFailure=yes", "-L", $"127.0.0.1:{localPort}:{target.Path}");
        await ssh.WaitForStderrAsync($"Local forwarding listening on 127.0.0.1 port {localPort}");
        using (Socket socket = await StreamLocalIo.ConnectAsync(new IPEndPoint(IPAddress.Loopback, localPort)))
        {
            await StreamLocalIo.RoundTripAsync(socket, 200_000);
        }
        string closed = await gateway.Process.WaitForStderrAsync("Forward closed for user alice");
        Assert.Contains($"streamlocal forward to {target.Path}: 200000 bytes to target, 200000 bytes from target", closed);
    }

    [OpenSshClientFact]
    public async Task OpenSshClient_RemoteForwardFromUnixPath_ThroughGateway()
    {
        await using var target = EofEchoServer.Tcp();
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(configLines: ["AllowStreamLocalForwarding yes"]);
        string listen = SocketPath("r.sock");
        await using ChildProcess ssh = gateway.StartSsh("-v", "-N", "-o", "ExitOnForwardFailure=yes", "-R", $"{listen}:127.0.0.1:{target.Port}");
        await gateway.Process.WaitForStderrAsync($"Remote forward listening on {listen}");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, StreamLocalIo.ModeOf(listen));
        using (Socket socket = await StreamLocalIo.ConnectAsync(listen))
        {
            await StreamLocalIo.RoundTripAsync(socket, 100_000);
        }
        await gateway.Process.WaitForStderrAsync("bytes to originator");
    }

    [OpenSshClientFact]
    public async Task OpenSshClient_AllowStreamLocalForwardingNo_RemoteForwardFails()
    {
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(configLines: ["AllowStreamLocalForwarding no"]);
        string listen = SocketPath("r.sock");
        await using ChildProcess ssh = gateway.StartSsh("-N", "-o", "ExitOnForwardFailure=yes", "-R", $"{listen}:127.0.0.1:9");
        Assert.Equal(255, await ssh.WaitForExitAsync());
        Assert.Contains($"remote port forwarding failed for listen path {listen}", ssh.Stderr);
        Assert.False(File.Exists(listen));
    }
}
