using System.Net;
using System.Net.Sockets;
using SshTunnel.Client;
using SshTunnel.Errors;
using SshTunnel.Forwarding;
using SshTunnel.Keys;
using SshTunnel.Tests.Server;

namespace SshTunnel.Tests.Reconnect;

/// <summary>
/// <see cref="ReconnectingSshClient"/> against an in-process server that is stopped and started again on the same
/// port: listeners survive, remote forwards come back, a changed host key stops everything, attempts are bounded.
/// </summary>
public sealed class ReconnectingSshClientTests
{
    private static readonly TimeSpan Timeout = RestartableServer.Timeout;

    private static ReconnectOptions Fast(int? maxAttempts = null, TimeSpan? pending = null, TimeSpan? keepAlive = null) => new()
    {
        InitialDelay = TimeSpan.FromMilliseconds(50),
        MaxDelay = TimeSpan.FromMilliseconds(200),
        MaxAttempts = maxAttempts,
        PendingConnectionTimeout = pending ?? Timeout,
        ServerAliveInterval = keepAlive,
        ServerAliveCountMax = 2,
    };

    private static ForwardSpec Local(int listenPort, int connectPort) =>
        new() { Kind = ForwardSpecKind.Local, ListenHost = "127.0.0.1", ListenPort = listenPort, ConnectHost = "127.0.0.1", ConnectPort = connectPort };

    [Fact]
    public async Task LocalForward_KeepsItsListener_AndCarriesTrafficAgain_AfterTheServerRestarts()
    {
        await using var echo = new EchoServer();
        await using RestartableServer server = await RestartableServer.StartAsync();
        var log = new ListLogger();
        await using ReconnectingSshClient session = await ReconnectingSshClient.ConnectAsync(server.ClientOptions(log), Fast());
        var events = new ReconnectEventLog(session);
        await using LocalForward forward = await session.StartLocalForwardAsync(Local(0, echo.Port));
        int port = forward.ListenEndPoints[0].Port;
        Assert.Equal("before", await EchoClient.RoundTripAsync(port, "before"));

        await server.StopAsync();
        await events.WaitForAsync(ReconnectEventKind.Disconnected);
        Assert.False(forward.Stopped.IsCancellationRequested);

        // Accepted while the session is down: waits for it (PendingConnectionTimeout) instead of being refused.
        using var pending = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await pending.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
        await pending.SendAsync("waited"u8.ToArray(), SocketFlags.None);

        await server.StartAgainAsync();
        ReconnectEventArgs reconnected = await events.WaitForAsync(ReconnectEventKind.Reconnected);
        Assert.Equal(1, session.ReconnectCount);
        Assert.True(reconnected.Attempt >= 1);
        Assert.Equal("after", await EchoClient.RoundTripAsync(port, "after"));

        byte[] buffer = new byte[6];
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await pending.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None).AsTask().WaitAsync(Timeout);
            Assert.NotEqual(0, n);
            total += n;
        }
        Assert.Equal("waited", System.Text.Encoding.ASCII.GetString(buffer));

        Assert.Contains(log.Lines, l => l == "Connection to 127.0.0.1 closed by remote host.");
        Assert.Contains(log.Lines, l => l.StartsWith($"Reconnecting to 127.0.0.1 port {server.Port} in ", StringComparison.Ordinal) && l.EndsWith("(attempt 1).", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l == $"Reconnected to 127.0.0.1 port {server.Port} (reconnection 1).");
    }

    [Fact]
    public async Task DynamicForward_KeepsItsListener_AcrossAReconnection()
    {
        await using var echo = new EchoServer();
        await using RestartableServer server = await RestartableServer.StartAsync();
        await using ReconnectingSshClient session = await ReconnectingSshClient.ConnectAsync(server.ClientOptions(), Fast());
        var events = new ReconnectEventLog(session);
        await using DynamicForward socks = await session.StartDynamicForwardAsync(new ForwardSpec { Kind = ForwardSpecKind.Dynamic, ListenHost = "127.0.0.1", ListenPort = 0 });
        int port = socks.ListenEndPoints[0].Port;

        await server.StopAsync();
        await events.WaitForAsync(ReconnectEventKind.Disconnected);
        await server.StartAgainAsync();
        await events.WaitForAsync(ReconnectEventKind.Reconnected);

        // SOCKS5, no authentication, CONNECT 127.0.0.1:echo.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
        await socket.SendAsync(new byte[] { 5, 1, 0 }, SocketFlags.None);
        byte[] reply = new byte[2];
        Assert.Equal(2, await ReceiveExactlyAsync(socket, reply));
        Assert.Equal(new byte[] { 5, 0 }, reply);
        await socket.SendAsync(new byte[] { 5, 1, 0, 1, 127, 0, 0, 1, (byte)(echo.Port >> 8), (byte)echo.Port }, SocketFlags.None);
        byte[] connectReply = new byte[10];
        Assert.Equal(10, await ReceiveExactlyAsync(socket, connectReply));
        Assert.Equal(0, connectReply[1]); // succeeded
        await socket.SendAsync("socks"u8.ToArray(), SocketFlags.None);
        byte[] data = new byte[5];
        Assert.Equal(5, await ReceiveExactlyAsync(socket, data));
        Assert.Equal("socks", System.Text.Encoding.ASCII.GetString(data));
    }

    [Fact]
    public async Task RemoteForward_IsRequestedAgain_OnTheSamePort_AfterReconnecting()
    {
        await using var echo = new EchoServer();
        await using RestartableServer server = await RestartableServer.StartAsync();
        var log = new ListLogger();
        await using ReconnectingSshClient session = await ReconnectingSshClient.ConnectAsync(server.ClientOptions(log), Fast());
        var events = new ReconnectEventLog(session);
        int remotePort = StablePorts.Pick();
        await using ReconnectingRemoteForward forward = await session.StartRemoteForwardAsync(new ForwardSpec
        {
            Kind = ForwardSpecKind.Remote, ListenHost = "127.0.0.1", ListenPort = remotePort, ConnectHost = "127.0.0.1", ConnectPort = echo.Port,
        });
        Assert.Equal(remotePort, forward.BoundPort);
        Assert.Equal("first", await EchoClient.RoundTripAsync(remotePort, "first"));

        await server.StopAsync();
        await events.WaitForAsync(ReconnectEventKind.Disconnected);
        await server.StartAgainAsync();
        ReconnectEventArgs restored = await events.WaitForAsync(ReconnectEventKind.RemoteForwardRestored);
        Assert.Equal(remotePort, restored.RemoteForward!.BoundPort);
        Assert.Same(restored.RemoteForward, forward.Current);
        string second = await EchoClient.RoundTripAsync(remotePort, "second");
        Assert.True(second == "second", $"echoed \"{second}\"; client log:\n{log.Text}\nserver log:\n{server.Log.Text}");
    }

    [Fact]
    public async Task ChangedHostKey_OnReconnect_StopsForGood_AndClosesTheListeners()
    {
        await using var echo = new EchoServer();
        await using RestartableServer server = await RestartableServer.StartAsync();
        var log = new ListLogger();
        await using ReconnectingSshClient session = await ReconnectingSshClient.ConnectAsync(server.ClientOptions(log), Fast());
        var events = new ReconnectEventLog(session);
        SshPublicKey original = session.ServerHostKey;
        LocalForward forward = await session.StartLocalForwardAsync(Local(0, echo.Port));
        int port = forward.ListenEndPoints[0].Port;

        await server.StopAsync();
        using var impostor = Ed25519PrivateKey.Generate();
        await server.StartAgainAsync(impostor);

        var error = await Assert.ThrowsAsync<SshHostKeyException>(() => session.Completion.WaitAsync(Timeout));
        Assert.Equal("Host key verification failed.", error.Message);
        Assert.Equal(ReconnectEventKind.Failed, events.Events[^1].Kind);
        Assert.Empty(events.OfKind(ReconnectEventKind.Reconnected));
        Assert.Equal(original, session.ServerHostKey);
        Assert.Null(session.CurrentClient);
        Assert.Contains("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @", log.Lines);
        Assert.Contains($"{impostor.PublicKey.Fingerprint}.", log.Lines);
        Assert.True(forward.Stopped.IsCancellationRequested);
        await forward.DisposeAsync();
        var refused = await Assert.ThrowsAsync<SocketException>(() => EchoClient.RoundTripAsync(port, "x"));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task ChangedHostKey_IsRefused_EvenWhenTheCallersCheckWouldAcceptAnyKey()
    {
        await using RestartableServer server = await RestartableServer.StartAsync();
        SshClientOptions o = server.ClientOptions();
        int asked = 0;
        var options = new SshClientOptions
        {
            Host = o.Host, Port = o.Port, Authentication = o.Authentication, ConnectTimeout = o.ConnectTimeout,
            VerifyHostKeyAsync = (_, _) => { Interlocked.Increment(ref asked); return ValueTask.FromResult(true); }, // StrictHostKeyChecking=no
        };
        await using ReconnectingSshClient session = await ReconnectingSshClient.ConnectAsync(options, Fast());
        var events = new ReconnectEventLog(session);

        // Same key: accepted without asking again.
        await server.StopAsync();
        await server.StartAgainAsync();
        await events.WaitForAsync(ReconnectEventKind.Reconnected);
        Assert.Equal(1, Volatile.Read(ref asked));

        await server.StopAsync();
        using var impostor = Ed25519PrivateKey.Generate();
        await server.StartAgainAsync(impostor);
        await Assert.ThrowsAsync<SshHostKeyException>(() => session.Completion.WaitAsync(Timeout));
        Assert.Equal(1, Volatile.Read(ref asked));
        Assert.Equal(1, session.ReconnectCount);
    }

    [Fact]
    public async Task MaxAttempts_GivesUp_AfterThatManyBoundedDelays()
    {
        await using RestartableServer server = await RestartableServer.StartAsync();
        var options = new ReconnectOptions
        {
            InitialDelay = TimeSpan.FromMilliseconds(20),
            MaxDelay = TimeSpan.FromMilliseconds(60),
            Multiplier = 3,
            MaxAttempts = 4,
        };
        await using ReconnectingSshClient session = await ReconnectingSshClient.ConnectAsync(server.ClientOptions(), options);
        var events = new ReconnectEventLog(session);
        await server.StopAsync();

        var error = await Assert.ThrowsAsync<ReconnectFailedException>(() => session.Completion.WaitAsync(Timeout));
        Assert.Equal(4, error.Attempts);
        Assert.IsType<SshConnectionException>(error.InnerException);
        Assert.EndsWith($"ssh: connect to host 127.0.0.1 port {server.Port}: Connection refused", error.Message, StringComparison.Ordinal);
        TimeSpan[] delays = [.. events.OfKind(ReconnectEventKind.Reconnecting).Select(e => e.Delay)];
        Assert.Equal(4, delays.Length);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromMilliseconds(20 * 0.8), TimeSpan.FromMilliseconds(60)));
        Assert.Equal([1, 2, 3, 4], events.OfKind(ReconnectEventKind.AttemptFailed).Select(e => e.Attempt));
        await Assert.ThrowsAsync<ReconnectFailedException>(() => session.WaitForConnectionAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task KeepAliveTimeout_OnAFrozenConnection_Reconnects()
    {
        await using RestartableServer server = await RestartableServer.StartAsync();
        var streams = new List<FreezableStream>();
        SshClientOptions options = server.ClientOptions(connect: async ct =>
        {
            FreezableStream stream = await FreezableStream.ConnectAsync(server.Port, ct);
            lock (streams) streams.Add(stream);
            return stream;
        });
        var log = new ListLogger();
        options = new SshClientOptions
        {
            Host = options.Host, Port = options.Port, Authentication = options.Authentication, VerifyHostKeyAsync = options.VerifyHostKeyAsync,
            ConnectTimeout = options.ConnectTimeout, ConnectCallback = options.ConnectCallback, Logger = log,
        };
        await using ReconnectingSshClient session = await ReconnectingSshClient.ConnectAsync(options, Fast(keepAlive: TimeSpan.FromMilliseconds(200)));
        var events = new ReconnectEventLog(session);
        SshClient first = session.CurrentClient!;
        lock (streams) streams[0].Freeze();

        ReconnectEventArgs lost = await events.WaitForAsync(ReconnectEventKind.Disconnected);
        Assert.Equal("Timeout, server 127.0.0.1 not responding.", lost.Error!.Message);
        Assert.Contains("Timeout, server 127.0.0.1 not responding.", log.Lines);
        await events.WaitForAsync(ReconnectEventKind.Reconnected);
        SshClient second = await session.WaitForConnectionAsync(Timeout);
        Assert.NotSame(first, second);
        lock (streams) Assert.Equal(2, streams.Count);
    }

    [Fact]
    public async Task PendingConnectionTimeoutZero_ClosesConnectionsAcceptedWhileDown_AtOnce()
    {
        await using var echo = new EchoServer();
        await using RestartableServer server = await RestartableServer.StartAsync();
        var options = new ReconnectOptions { InitialDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(30), PendingConnectionTimeout = TimeSpan.Zero };
        var log = new ListLogger();
        await using ReconnectingSshClient session = await ReconnectingSshClient.ConnectAsync(server.ClientOptions(log), options);
        var events = new ReconnectEventLog(session);
        await using LocalForward forward = await session.StartLocalForwardAsync(Local(0, echo.Port));
        await server.StopAsync();
        await events.WaitForAsync(ReconnectEventKind.Reconnecting);

        // The listener is still there, but the connection is closed at once (no 30 s wait for the next attempt).
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, forward.ListenEndPoints[0].Port).WaitAsync(Timeout);
        Assert.Equal(0, await socket.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10)));
        await log.WaitForAsync("open failed: connect failed: not connected to 127.0.0.1 (reconnecting)");
    }

    [Fact]
    public async Task Dispose_StopsReconnecting_AndCompletesSuccessfully()
    {
        await using RestartableServer server = await RestartableServer.StartAsync();
        ReconnectingSshClient session = await ReconnectingSshClient.ConnectAsync(server.ClientOptions(), new ReconnectOptions { InitialDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(30) });
        var events = new ReconnectEventLog(session);
        await server.StopAsync();
        await events.WaitForAsync(ReconnectEventKind.Reconnecting);
        await session.DisposeAsync().AsTask().WaitAsync(Timeout); // does not wait out the 30 s delay
        await session.Completion.WaitAsync(Timeout);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.WaitForConnectionAsync(TimeSpan.Zero));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.StartLocalForwardAsync(Local(0, 9)));
    }

    [Fact]
    public async Task FirstConnection_IsNotRetried()
    {
        int closedPort = GatewayFreePort();
        await using RestartableServer server = await RestartableServer.StartAsync();
        SshClientOptions o = server.ClientOptions();
        var options = new SshClientOptions { Host = o.Host, Port = closedPort, Authentication = o.Authentication, VerifyHostKeyAsync = o.VerifyHostKeyAsync };
        var error = await Assert.ThrowsAsync<SshConnectionException>(() => ReconnectingSshClient.ConnectAsync(options, Fast()));
        Assert.Equal($"ssh: connect to host 127.0.0.1 port {closedPort}: Connection refused", error.Message);
    }

    private static int GatewayFreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task<int> ReceiveExactlyAsync(Socket socket, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None).AsTask().WaitAsync(Timeout);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
