using System.Buffers.Binary;
using SshTunnel.Connection;
using SshTunnel.Forwarding;
using SshTunnel.Tests.Connection;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Tests.Server;

/// <summary>
/// RemoteForward.StartAsync cancelled while the server is still deciding: a later success must not leave a listener
/// on the server that nobody uses, so the client cancels it.
/// </summary>
public sealed class RemoteForwardCancelTests
{
    private static readonly TimeSpan Timeout = ConnectionTestPair.Timeout;

    [Theory]
    [InlineData(0, 4242u)]
    [InlineData(8080, 8080u)]
    public async Task TcpipForward_CancelledWhileWaiting_LaterSuccess_SendsCancelTcpipForward(int requestedPort, uint expectedPort)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requestSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelSeen = new TaskCompletionSource<TcpipForwardRequestData>(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask<GlobalRequestReply> Handler(IncomingGlobalRequest request, CancellationToken ct)
        {
            if (request.RequestName == GlobalRequestNames.TcpipForward)
            {
                requestSeen.TrySetResult();
                await release.Task;
                byte[] port = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(port, 4242);
                return new GlobalRequestReply(true, requestedPort == 0 ? port : []);
            }
            if (request.RequestName == GlobalRequestNames.CancelTcpipForward)
            {
                cancelSeen.TrySetResult(TcpipForwardRequestData.Parse(request.RequestSpecificData));
                return GlobalRequestReply.Succeeded;
            }
            return GlobalRequestReply.Failure;
        }
        await using var pair = new ConnectionTestPair(serverGlobalHandler: Handler);
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenHost = "localhost", ListenPort = requestedPort, ConnectHost = "127.0.0.1", ConnectPort = 9 };
        using var cts = new CancellationTokenSource();
        Task<RemoteForward> start = RemoteForward.StartAsync(pair.Client, new RemoteForwardTable(null), spec, cts.Token);
        await requestSeen.Task.WaitAsync(Timeout);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start.WaitAsync(Timeout));
        Assert.False(cancelSeen.Task.IsCompleted);
        release.SetResult();
        TcpipForwardRequestData cancel = await cancelSeen.Task.WaitAsync(Timeout);
        Assert.Equal("localhost", cancel.AddressToBind);
        Assert.Equal(expectedPort, cancel.PortToBind);
    }

    [Fact]
    public async Task TcpipForward_CancelledWhileWaiting_LaterFailure_SendsNothing()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requestSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var names = new List<string>();
        async ValueTask<GlobalRequestReply> Handler(IncomingGlobalRequest request, CancellationToken ct)
        {
            lock (names) names.Add(request.RequestName);
            if (request.RequestName == GlobalRequestNames.TcpipForward)
            {
                requestSeen.TrySetResult();
                await release.Task;
            }
            return GlobalRequestReply.Failure;
        }
        await using var pair = new ConnectionTestPair(serverGlobalHandler: Handler);
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPort = 0, ConnectHost = "127.0.0.1", ConnectPort = 9 };
        using var cts = new CancellationTokenSource();
        Task<RemoteForward> start = RemoteForward.StartAsync(pair.Client, new RemoteForwardTable(null), spec, cts.Token);
        await requestSeen.Task.WaitAsync(Timeout);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start.WaitAsync(Timeout));
        release.SetResult();
        // A later request is answered after the first one (replies are in order): by then a cancel would have been seen.
        GlobalRequestReply marker = await pair.Client.SendGlobalRequestAsync("marker@example.com", ReadOnlyMemory<byte>.Empty, wantReply: true).WaitAsync(Timeout);
        Assert.False(marker.Success);
        lock (names) Assert.Equal([GlobalRequestNames.TcpipForward, "marker@example.com"], names);
    }

    [Fact]
    public async Task StreamLocalForward_CancelledWhileWaiting_LaterSuccess_SendsCancelStreamLocalForward()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requestSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelSeen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask<GlobalRequestReply> Handler(IncomingGlobalRequest request, CancellationToken ct)
        {
            if (request.RequestName == GlobalRequestNames.StreamLocalForward)
            {
                requestSeen.TrySetResult();
                await release.Task;
                return GlobalRequestReply.Succeeded;
            }
            if (request.RequestName == GlobalRequestNames.CancelStreamLocalForward)
            {
                cancelSeen.TrySetResult(StreamLocalForwardRequestData.Parse(request.RequestSpecificData).SocketPath);
            }
            return GlobalRequestReply.Succeeded;
        }
        await using var pair = new ConnectionTestPair(serverGlobalHandler: Handler);
        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPath = "/tmp/x.sock", ConnectHost = "127.0.0.1", ConnectPort = 9 };
        using var cts = new CancellationTokenSource();
        Task<RemoteForward> start = RemoteForward.StartAsync(pair.Client, new RemoteForwardTable(null), spec, cts.Token);
        await requestSeen.Task.WaitAsync(Timeout);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start.WaitAsync(Timeout));
        release.SetResult();
        Assert.Equal("/tmp/x.sock", await cancelSeen.Task.WaitAsync(Timeout));
    }

    [Fact]
    public async Task ForwardedTcpip_ArrivingBeforeTheForwardIsRegistered_WaitsForTheRequest_AndIsForwarded()
    {
        // The server may open the first forwarded-tcpip channel right after its REQUEST_SUCCESS, before the client has
        // registered the forward. Such a channel must wait for the outstanding request, not be refused as
        // "unknown listen_port". Driven step by step through the table's request bracket.
        await using var echo = new EchoServer();
        await using var pair = new ConnectionTestPair();
        var table = new RemoteForwardTable(null);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        table.ChannelWaiting += () => waiting.TrySetResult();
        pair.Client.ChannelOpenHandler = open => table.HandleAsync(open, CancellationToken.None);

        table.BeginRequest(); // tcpip-forward sent, reply not yet handled
        var data = new ForwardedTcpipOpenData { ConnectedAddress = "localhost", ConnectedPort = 8080, OriginatorAddress = "127.0.0.1", OriginatorPort = 5555 };
        Task<SshChannel> earlyOpen = pair.Server.OpenChannelAsync(ChannelTypes.ForwardedTcpip, data.ToArray());
        await Task.WhenAny(waiting.Task, earlyOpen).WaitAsync(Timeout);
        Assert.False(earlyOpen.IsFaulted, earlyOpen.Exception?.InnerException?.Message); // refused instead of waiting

        var spec = new ForwardSpec { Kind = ForwardSpecKind.Remote, ListenPort = 8080, ConnectHost = "127.0.0.1", ConnectPort = echo.Port };
        var forward = new RemoteForward(pair.Client, table, spec, "localhost", 8080);
        table.Add(forward);
        table.EndRequest(); // reply handled, forward registered

        SshChannel channel = await earlyOpen.WaitAsync(Timeout);
        await channel.Stream.WriteAsync("early"u8.ToArray());
        byte[] back = new byte[5];
        await channel.Stream.ReadExactlyAsync(back).AsTask().WaitAsync(Timeout);
        Assert.Equal("early"u8.ToArray(), back);
    }
}
