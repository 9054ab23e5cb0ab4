using System.Net;
using System.Net.Sockets;
using SshTunnel.Client;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Forwarding;
using SshTunnel.Server;
using SshTunnel.Server.Policy;
using SshTunnel.Tests.Server;

namespace SshTunnel.Tests.Forwarding;

/// <summary>
/// Unix-domain socket forwarding (OpenSSH PROTOCOL §2.4, FORWARDING-CLI.md §3 and §8): our client against our in-process
/// server on loopback, in all four -L and -R combinations, each carrying data both ways with half-close.
/// </summary>
public sealed class StreamLocalForwardTests : IDisposable
{
    private static readonly TimeSpan Timeout = InProcessGateway.Timeout;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("st"); // short: sun_path is 108 bytes

    public void Dispose() => _directory.Delete(recursive: true);

    private string SocketPath(string name) => Path.Combine(_directory.FullName, name);

    private static SshServerOptions WithStreamLocal(SshServerOptions o, bool unlink = false, int mask = UnixSocketListener.DefaultBindMask) => new()
    {
        HostKeys = o.HostKeys,
        ListenEndPoints = o.ListenEndPoints,
        AuthorizePublicKeyAsync = o.AuthorizePublicKeyAsync,
        Logger = o.Logger,
        StreamLocalBindUnlink = unlink,
        StreamLocalBindMask = mask,
    };

    // ------------------------------------------------------------------ direct-streamlocal

    [Fact]
    public async Task OpenDirectStreamLocal_CarriesDataBothWays_WithHalfClose()
    {
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        await using (ChannelStream stream = await client.OpenDirectStreamLocalAsync(target.Path!).WaitAsync(Timeout))
        {
            await StreamLocalIo.RoundTripAsync(stream, 200_000);
        }
        string closed = await gateway.Log.WaitForAsync("Forward closed for user alice");
        Assert.Contains("streamlocal forward to " + target.Path, closed);
        Assert.Contains("200000 bytes to target, 200000 bytes from target", closed);
    }

    [Fact]
    public async Task OpenDirectStreamLocal_MissingSocket_ConnectFailedOpenFailed()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        var e = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => client.OpenDirectStreamLocalAsync(SocketPath("missing.sock")).WaitAsync(Timeout));
        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, e.Reason);
        Assert.Equal("open failed", e.Description);
        await gateway.Log.WaitForAsync($"connect_to {SocketPath("missing.sock")}: failed: ");
    }

    [Theory]
    [InlineData(ForwardingDirections.None, false)]
    [InlineData(ForwardingDirections.Remote, false)]
    [InlineData(ForwardingDirections.All, true)]
    public async Task OpenDirectStreamLocal_AllowStreamLocalForwarding_Decides(ForwardingDirections allow, bool disable)
    {
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(new ForwardingSettings { AllowStreamLocalForwarding = allow, DisableForwarding = disable });
        await using SshClient client = await gateway.ConnectAsync();
        var e = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => client.OpenDirectStreamLocalAsync(target.Path!).WaitAsync(Timeout));
        Assert.Equal(ChannelOpenFailureReason.AdministrativelyProhibited, e.Reason);
        await gateway.Log.WaitForAsync("refused streamlocal port forward: originator 127.0.0.1 port ");
        Assert.Equal(0, target.Accepted);
    }

    [Fact]
    public async Task OpenDirectStreamLocal_KeyRestrict_Refused()
    {
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(keyOptions: "restrict");
        await using SshClient client = await gateway.ConnectAsync();
        var e = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => client.OpenDirectStreamLocalAsync(target.Path!).WaitAsync(Timeout));
        Assert.Equal(ChannelOpenFailureReason.AdministrativelyProhibited, e.Reason);
    }

    // ------------------------------------------------------------------ -L, the three Unix forms

    [Fact]
    public async Task LocalForward_TcpToRemoteUnix()
    {
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Local, ListenHost = "127.0.0.1", ListenPort = 0, ConnectPath = target.Path };
        await using LocalForward forward = await client.StartLocalForwardAsync(spec).WaitAsync(Timeout);
        Assert.Null(forward.ListenPath);
        using Socket socket = await StreamLocalIo.ConnectAsync(forward.ListenEndPoints[0]);
        await StreamLocalIo.RoundTripAsync(socket, 100_000);
        Assert.Equal(1, target.Accepted);
    }

    [Fact]
    public async Task LocalForward_UnixToTcp_SocketMode0600()
    {
        await using var target = EofEchoServer.Tcp();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        string listen = SocketPath("l.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Local, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = target.Port };
        await using LocalForward forward = await client.StartLocalForwardAsync(spec).WaitAsync(Timeout);
        Assert.Equal(listen, forward.ListenPath);
        Assert.Empty(forward.ListenEndPoints);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, StreamLocalIo.ModeOf(listen));
        using Socket socket = await StreamLocalIo.ConnectAsync(listen);
        await StreamLocalIo.RoundTripAsync(socket, 100_000);
        // OpenSSH's stand-in originator for a connection without an IP peer.
        await gateway.Log.WaitForAsync($"local forward to 127.0.0.1 port {target.Port} (originator 127.0.0.1 port 65535)");
    }

    [Fact]
    public async Task LocalForward_UnixToUnix_ManyConnections()
    {
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        string listen = SocketPath("l.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Local, ListenPath = listen, ConnectPath = target.Path };
        await using LocalForward forward = await client.StartLocalForwardAsync(spec).WaitAsync(Timeout);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using Socket socket = await StreamLocalIo.ConnectAsync(listen);
            await StreamLocalIo.RoundTripAsync(socket, 20_000);
        })).WaitAsync(Timeout);
        Assert.Equal(8, target.Accepted);
    }

    [Fact]
    public async Task LocalForward_Unix_BindMaskGivesMode()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        string listen = SocketPath("l.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Local, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = 9 };
        await using LocalForward forward = await client.StartLocalForwardAsync(spec, streamLocalBindMask: Convert.ToInt32("0117", 8)).WaitAsync(Timeout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, StreamLocalIo.ModeOf(listen));
        Assert.Empty(Directory.GetDirectories(_directory.FullName)); // the private bind directory is gone
    }

    [Fact]
    public async Task LocalForward_StaleSocket_WithoutUnlink_AddressInUse_WithUnlink_Works()
    {
        string listen = SocketPath("l.sock");
        StreamLocalIo.CreateStaleSocket(listen);
        await using var target = EofEchoServer.Tcp();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Local, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = target.Port };

        var e = await Assert.ThrowsAsync<ForwardBindException>(() => client.StartLocalForwardAsync(spec).WaitAsync(Timeout));
        Assert.Equal($"unix_listener: cannot bind to path {listen}: Address already in use", e.Message);
        Assert.Empty(Directory.GetDirectories(_directory.FullName));

        await using LocalForward forward = await client.StartLocalForwardAsync(spec, streamLocalBindUnlink: true).WaitAsync(Timeout);
        using Socket socket = await StreamLocalIo.ConnectAsync(listen);
        await StreamLocalIo.RoundTripAsync(socket, 1000);
    }

    [Fact]
    public async Task LocalForward_Unix_Disposed_StopsListening_FileStays_AsOpenSsh()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        string listen = SocketPath("l.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Local, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = 9 };
        await (await client.StartLocalForwardAsync(spec).WaitAsync(Timeout)).DisposeAsync();
        Assert.True(File.Exists(listen));
        var e = await Assert.ThrowsAsync<SocketException>(() => StreamLocalIo.ConnectAsync(listen));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public async Task LocalForward_PathTooLong_ClearError()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        string listen = SocketPath(new string('x', 120));
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Local, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = 9 };
        var e = await Assert.ThrowsAsync<ForwardBindException>(() => client.StartLocalForwardAsync(spec).WaitAsync(Timeout));
        Assert.Equal($"unix_listener: path \"{listen}\" too long for Unix domain socket", e.Message);
    }

    // ------------------------------------------------------------------ -R, the three Unix forms

    [Fact]
    public async Task RemoteForward_RemoteUnixToTcp_SocketMode0600_CancelStopsListening()
    {
        await using var target = EofEchoServer.Tcp();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        string listen = SocketPath("r.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = target.Port };
        RemoteForward forward = await client.StartRemoteForwardAsync(spec).WaitAsync(Timeout);
        Assert.Equal(listen, forward.ListenPath);
        Assert.Equal(0, forward.BoundPort);
        await gateway.Log.WaitForAsync($"Remote forward listening on {listen} for user alice");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, StreamLocalIo.ModeOf(listen));
        using (Socket socket = await StreamLocalIo.ConnectAsync(listen))
        {
            await StreamLocalIo.RoundTripAsync(socket, 100_000);
        }
        string closed = await gateway.Log.WaitForAsync("Forward closed for user alice");
        Assert.Contains($"remote forward {listen}: 100000 bytes to originator, 100000 bytes from originator", closed);

        await forward.DisposeAsync();
        await gateway.Log.WaitForAsync($"Remote forward {listen} cancelled by user alice");
        var e = await Assert.ThrowsAsync<SocketException>(() => StreamLocalIo.ConnectAsync(listen));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public async Task RemoteForward_RemoteUnixToLocalUnix()
    {
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        string listen = SocketPath("r.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen, ConnectPath = target.Path };
        await using RemoteForward forward = await client.StartRemoteForwardAsync(spec).WaitAsync(Timeout);
        using Socket socket = await StreamLocalIo.ConnectAsync(listen);
        await StreamLocalIo.RoundTripAsync(socket, 100_000);
        Assert.Equal(1, target.Accepted);
    }

    [Fact]
    public async Task RemoteForward_RemoteTcpToLocalUnix()
    {
        await using var target = EofEchoServer.Unix(SocketPath("t.sock"));
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenHost = "127.0.0.1", ListenPort = 0, ConnectPath = target.Path };
        await using RemoteForward forward = await client.StartRemoteForwardAsync(spec).WaitAsync(Timeout);
        Assert.NotEqual(0, forward.BoundPort);
        using Socket socket = await StreamLocalIo.ConnectAsync(new IPEndPoint(IPAddress.Loopback, forward.BoundPort));
        await StreamLocalIo.RoundTripAsync(socket, 100_000);
        Assert.Equal(1, target.Accepted);
    }

    [Fact]
    public async Task RemoteForward_ReverseDynamicOnRemoteUnixPath_ServesSocks5()
    {
        await using var target = EofEchoServer.Tcp();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        client.EnableReverseDynamicForwarding(["any"]);
        string listen = SocketPath("socks.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen }; // -R /path
        await using RemoteForward forward = await client.StartRemoteForwardAsync(spec).WaitAsync(Timeout);
        using Socket socket = await StreamLocalIo.ConnectAsync(listen);
        await socket.SendAsync(new byte[] { 5, 1, 0 });
        byte[] reply = new byte[2];
        await socket.ReceiveAsync(reply.AsMemory(0, 2)).AsTask().WaitAsync(Timeout);
        Assert.Equal(new byte[] { 5, 0 }, reply);
        await socket.SendAsync(new byte[] { 5, 1, 0, 1, 127, 0, 0, 1, (byte)(target.Port >> 8), (byte)target.Port });
        byte[] connected = new byte[10];
        int got = 0;
        while (got < connected.Length) got += await socket.ReceiveAsync(connected.AsMemory(got)).AsTask().WaitAsync(Timeout);
        Assert.Equal(0, connected[1]); // succeeded
        await StreamLocalIo.RoundTripAsync(socket, 10_000);
    }

    [Fact]
    public async Task RemoteForward_LocalUnixTargetMissing_ConnectionClosedWithoutData()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        string listen = SocketPath("r.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen, ConnectPath = SocketPath("missing.sock") };
        await using RemoteForward forward = await client.StartRemoteForwardAsync(spec).WaitAsync(Timeout);
        using Socket socket = await StreamLocalIo.ConnectAsync(listen);
        byte[] buffer = new byte[16];
        int read;
        try
        {
            read = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeout);
        }
        catch (SocketException)
        {
            read = 0;
        }
        Assert.Equal(0, read);
        string line = await gateway.Log.WaitForAsync($"remote forward {listen} for user alice");
        Assert.Contains("open failed", line);
    }

    [Fact]
    public async Task RemoteForward_StaleSocket_RefusedUnlessServerUnlinks()
    {
        string listen = SocketPath("r.sock");
        StreamLocalIo.CreateStaleSocket(listen);
        await using var target = EofEchoServer.Tcp();
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = target.Port };

        await using (InProcessGateway gateway = await InProcessGateway.StartAsync())
        await using (SshClient client = await gateway.ConnectAsync())
        {
            var e = await Assert.ThrowsAsync<SshRequestRejectedException>(() => client.StartRemoteForwardAsync(spec).WaitAsync(Timeout));
            Assert.Equal($"remote port forwarding failed for listen path {listen}", e.Message);
            await gateway.Log.WaitForAsync($"unix_listener: cannot bind to path {listen}: Address already in use");
        }

        await using (InProcessGateway gateway = await InProcessGateway.StartAsync(configure: o => WithStreamLocal(o, unlink: true)))
        await using (SshClient client = await gateway.ConnectAsync())
        await using (RemoteForward forward = await client.StartRemoteForwardAsync(spec).WaitAsync(Timeout))
        {
            using Socket socket = await StreamLocalIo.ConnectAsync(listen);
            await StreamLocalIo.RoundTripAsync(socket, 1000);
        }
    }

    [Fact]
    public async Task RemoteForward_ServerBindMask_GivesMode()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(configure: o => WithStreamLocal(o, mask: Convert.ToInt32("0177", 8) & ~Convert.ToInt32("060", 8)));
        await using SshClient client = await gateway.ConnectAsync();
        string listen = SocketPath("r.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = 9 };
        await using RemoteForward forward = await client.StartRemoteForwardAsync(spec).WaitAsync(Timeout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, StreamLocalIo.ModeOf(listen));
    }

    [Theory]
    [InlineData(ForwardingDirections.None)]
    [InlineData(ForwardingDirections.Local)]
    public async Task RemoteForward_AllowStreamLocalForwardingWithoutRemote_Refused(ForwardingDirections allow)
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(new ForwardingSettings { AllowStreamLocalForwarding = allow });
        await using SshClient client = await gateway.ConnectAsync();
        string listen = SocketPath("r.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = 9 };
        var e = await Assert.ThrowsAsync<SshRequestRejectedException>(() => client.StartRemoteForwardAsync(spec).WaitAsync(Timeout));
        Assert.Equal($"remote port forwarding failed for listen path {listen}", e.Message);
        Assert.False(File.Exists(listen));
        await gateway.Log.WaitForAsync(SshTunnel.Server.Policy.ForwardingLog.ServerDisabledStreamLocalForwarding);
    }

    [Fact]
    public async Task RemoteForward_SamePathTwice_SecondRefused_SessionEndStopsListener()
    {
        await using var target = EofEchoServer.Tcp();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(configure: o => WithStreamLocal(o, unlink: true));
        string listen = SocketPath("r.sock");
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = listen, ConnectHost = "127.0.0.1", ConnectPort = target.Port };
        await using (SshClient client = await gateway.ConnectAsync())
        {
            await using RemoteForward forward = await client.StartRemoteForwardAsync(spec).WaitAsync(Timeout);
            await Assert.ThrowsAsync<SshRequestRejectedException>(() => client.StartRemoteForwardAsync(spec).WaitAsync(Timeout));
            using Socket socket = await StreamLocalIo.ConnectAsync(listen);
            await StreamLocalIo.RoundTripAsync(socket, 1000);
        }
        await gateway.Log.WaitForAsync("Disconnected from user alice");
        // the session's listener is closed with it (the file stays, as with sshd)
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
    }
}

/// <summary>Socket helpers for the streamlocal tests.</summary>
internal static class StreamLocalIo
{
    public static UnixFileMode ModeOf(string path) => OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(path);

    public static async Task<Socket> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(InProcessGateway.Timeout);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint).WaitAsync(InProcessGateway.Timeout);
        return socket;
    }

    /// <summary>A socket file with nobody listening, as ssh leaves behind. (.NET deletes the file it bound when the
    /// socket is disposed, so bind another name and rename it.)</summary>
    public static void CreateStaleSocket(string path)
    {
        string bound = path + ".b";
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(bound));
            socket.Listen(1);
            File.Move(bound, path);
        }
        Assert.True(File.Exists(path));
        var e = Assert.Throws<SocketException>(() =>
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(new UnixDomainSocketEndPoint(path));
        });
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    /// <summary>
    /// Sends random bytes, half-closes, and expects exactly those bytes back followed by EOF. Against an
    /// <see cref="EofEchoServer"/> (which answers only after EOF) this proves EOF crossed the tunnel while the other
    /// direction stayed open.
    /// </summary>
    public static async Task RoundTripAsync(Socket socket, int length)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        byte[] sent = new byte[length];
        Random.Shared.NextBytes(sent);
        Task write = Task.Run(async () =>
        {
            await stream.WriteAsync(sent);
            socket.Shutdown(SocketShutdown.Send);
        });
        var received = new MemoryStream();
        await stream.CopyToAsync(received).WaitAsync(InProcessGateway.Timeout);
        await write.WaitAsync(InProcessGateway.Timeout);
        Assert.Equal(sent, received.ToArray());
    }

    /// <summary>The same over a channel stream (CHANNEL_EOF for the half-close).</summary>
    public static async Task RoundTripAsync(ChannelStream stream, int length)
    {
        byte[] sent = new byte[length];
        Random.Shared.NextBytes(sent);
        Task write = Task.Run(async () =>
        {
            await stream.WriteAsync(sent);
            await stream.CompleteWritesAsync();
        });
        var received = new MemoryStream();
        await stream.CopyToAsync(received).WaitAsync(InProcessGateway.Timeout);
        await write.WaitAsync(InProcessGateway.Timeout);
        Assert.Equal(sent, received.ToArray());
    }
}

/// <summary>
/// A target that reads until EOF and only then sends everything back and closes: data comes back only if the
/// half-close crossed the tunnel with the return direction still open. Listens on TCP 127.0.0.1 or on a Unix socket.
/// </summary>
internal sealed class EofEchoServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _accepted;

    private EofEchoServer(Socket listener, string? path)
    {
        _listener = listener;
        Path = path;
        _loop = Task.Run(LoopAsync);
    }

    public string? Path { get; }
    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;
    public int Accepted => Volatile.Read(ref _accepted);

    public static EofEchoServer Unix(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(16);
        return new EofEchoServer(socket, path);
    }

    public static EofEchoServer Tcp()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(16);
        return new EofEchoServer(socket, null);
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    try
                    {
                        var all = new MemoryStream();
                        byte[] buffer = new byte[16384];
                        int n;
                        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0) all.Write(buffer, 0, n);
                        byte[] data = all.ToArray();
                        int sent = 0;
                        while (sent < data.Length) sent += await socket.SendAsync(data.AsMemory(sent), SocketFlags.None, _stop.Token);
                        socket.Shutdown(SocketShutdown.Send);
                    }
                    catch (Exception)
                    {
                        // test over
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _loop;
    }
}
