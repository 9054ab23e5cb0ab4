using System.Security.Cryptography;
using System.Text;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Tests.Connection;

public class SshConnectionTests
{
    private static readonly TimeSpan T = ConnectionTestPair.Timeout;

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        var ms = new MemoryStream();
        await stream.CopyToAsync(ms).WaitAsync(T);
        return ms.ToArray();
    }

    [Fact]
    public async Task Open_Data_Eof_Close_BothDirections()
    {
        var accepted = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new ConnectionTestPair(serverOpenHandler: ConnectionTestPair.AcceptInto(c => accepted.SetResult(c)));

        SshChannel client = await pair.Client.OpenDirectTcpipAsync("example.com", 80, "127.0.0.1", 5000).WaitAsync(T);
        SshChannel server = await accepted.Task.WaitAsync(T);
        Assert.Equal(ChannelTypes.DirectTcpip, server.ChannelType);
        Assert.Equal(client.LocalChannelId, server.RemoteChannelId);
        Assert.Equal(server.LocalChannelId, client.RemoteChannelId);

        await client.Stream.WriteAsync("hello server"u8.ToArray()).AsTask().WaitAsync(T);
        await client.Stream.CompleteWritesAsync().WaitAsync(T);
        Assert.Equal("hello server", Encoding.ASCII.GetString(await ReadToEndAsync(server.Stream)));

        await server.Stream.WriteAsync("hello client"u8.ToArray()).AsTask().WaitAsync(T);
        await server.Stream.CompleteWritesAsync().WaitAsync(T);
        Assert.Equal("hello client", Encoding.ASCII.GetString(await ReadToEndAsync(client.Stream)));

        await client.Stream.DisposeAsync();
        await server.Completion.WaitAsync(T);
        await client.Completion.WaitAsync(T);
        Assert.Equal(0, pair.Client.ChannelCount);
        Assert.Equal(0, pair.Server.ChannelCount);
    }

    [Fact]
    public async Task ServerOpens_ForwardedTcpip_ToClient()
    {
        var accepted = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new ConnectionTestPair();
        pair.Client.ChannelOpenHandler = ConnectionTestPair.AcceptInto(c => accepted.SetResult(c));
        byte[] data = new ForwardedTcpipOpenData { ConnectedAddress = "", ConnectedPort = 8080, OriginatorAddress = "10.0.0.1", OriginatorPort = 1234 }.ToArray();
        SshChannel server = await pair.Server.OpenChannelAsync(ChannelTypes.ForwardedTcpip, data).WaitAsync(T);
        SshChannel client = await accepted.Task.WaitAsync(T);
        await server.Stream.WriteAsync("x"u8.ToArray()).AsTask().WaitAsync(T);
        byte[] buffer = new byte[4];
        Assert.Equal(1, await client.Stream.ReadAsync(buffer).AsTask().WaitAsync(T));
        Assert.Equal((byte)'x', buffer[0]);
    }

    [Fact]
    public async Task OpenFailure_SurfacesReasonAndDescription()
    {
        await using var pair = new ConnectionTestPair(serverOpenHandler: open => open.RejectAsync(ChannelOpenFailureReason.ConnectFailed, "Connection refused"));
        var ex = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => pair.Client.OpenDirectTcpipAsync("h", 1, "127.0.0.1", 2).WaitAsync(T));
        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, ex.Reason);
        Assert.Equal("Connection refused", ex.Description);
        Assert.Equal("channel 0: open failed: connect failed: Connection refused", ChannelOpenFailedException.FormatOpenSshMessage(((ChannelOpenFailedException)ex).LocalChannelId, ex));
        Assert.Equal(0, pair.Client.ChannelCount);
    }

    [Fact]
    public async Task NoHandler_UnknownChannelType()
    {
        await using var pair = new ConnectionTestPair();
        var ex = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => pair.Client.OpenChannelAsync("x-unknown@example.com", ReadOnlyMemory<byte>.Empty).WaitAsync(T));
        Assert.Equal(ChannelOpenFailureReason.UnknownChannelType, ex.Reason);
    }

    [Fact]
    public async Task HandlerThatDoesNotDecide_RefusesTheOpen()
    {
        await using var pair = new ConnectionTestPair(serverOpenHandler: _ => Task.CompletedTask);
        var ex = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => pair.Client.OpenSessionAsync().WaitAsync(T));
        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, ex.Reason);
    }

    [Fact]
    public async Task PendingOpens_AboveCap_GetResourceShortage()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int started = 0;
        var twoStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new ConnectionTestPair(serverOptions: new SshConnectionOptions { MaxPendingChannelOpens = 2 },
            serverOpenHandler: async open =>
            {
                if (Interlocked.Increment(ref started) == 2) twoStarted.SetResult();
                await release.Task;
                await open.AcceptAsync();
            });
        Task<SshChannel> first = pair.Client.OpenSessionAsync();
        Task<SshChannel> second = pair.Client.OpenSessionAsync();
        await twoStarted.Task.WaitAsync(T);
        var ex = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => pair.Client.OpenSessionAsync().WaitAsync(T));
        Assert.Equal(ChannelOpenFailureReason.ResourceShortage, ex.Reason);
        release.SetResult();
        await first.WaitAsync(T);
        await second.WaitAsync(T);
    }

    [Fact]
    public async Task EightMiB_ThroughSmallWindows_HashMatches()
    {
        var options = new SshConnectionOptions { ReceiveWindowSize = 64 * 1024, MaximumPacketSize = 16 * 1024 };
        var accepted = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new ConnectionTestPair(options, options, ConnectionTestPair.AcceptInto(c => accepted.SetResult(c)));
        SshChannel client = await pair.Client.OpenSessionAsync().WaitAsync(T);
        SshChannel server = await accepted.Task.WaitAsync(T);
        Assert.Equal(16 * 1024, client.SendChunkSize);

        byte[] payload = new byte[8 * 1024 * 1024];
        new Random(42).NextBytes(payload);
        Task writer = Task.Run(async () =>
        {
            var random = new Random(7);
            int offset = 0;
            while (offset < payload.Length)
            {
                int n = Math.Min(random.Next(1, 100_000), payload.Length - offset);
                await client.Stream.WriteAsync(payload.AsMemory(offset, n));
                offset += n;
            }
            await client.Stream.CompleteWritesAsync();
        });
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[50_000];
        long total = 0;
        int read;
        while ((read = await server.Stream.ReadAsync(buffer).AsTask().WaitAsync(T)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }
        await writer.WaitAsync(T);
        Assert.Equal(payload.Length, total);
        Assert.Equal(SHA256.HashData(payload), hash.GetHashAndReset());
    }

    [Fact]
    public async Task SlowReader_StallsOnlyItsChannel()
    {
        var options = new SshConnectionOptions { ReceiveWindowSize = 32 * 1024 };
        var accepted = new System.Collections.Concurrent.ConcurrentQueue<SshChannel>();
        var two = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new ConnectionTestPair(options, options, ConnectionTestPair.AcceptInto(c =>
        {
            accepted.Enqueue(c);
            if (accepted.Count == 2) two.TrySetResult();
        }));
        SshChannel stalled = await pair.Client.OpenSessionAsync().WaitAsync(T);
        SshChannel flowing = await pair.Client.OpenSessionAsync().WaitAsync(T);
        await two.Task.WaitAsync(T);
        SshChannel[] servers = [.. accepted];
        SshChannel flowingServer = servers.Single(c => c.RemoteChannelId == flowing.LocalChannelId);

        // Fill the stalled channel's window (nobody reads it): the writer must block.
        Task stalledWrite = stalled.Stream.WriteAsync(new byte[200 * 1024]).AsTask();
        await Task.Delay(100);
        Assert.False(stalledWrite.IsCompleted);
        Assert.Equal(0, stalled.SendWindow.Available);

        // The other channel still carries 1 MiB both ways.
        byte[] data = RandomNumberGenerator.GetBytes(1024 * 1024);
        Task write = Task.Run(async () => { await flowing.Stream.WriteAsync(data); await flowing.Stream.CompleteWritesAsync(); });
        byte[] received = await ReadToEndAsync(flowingServer.Stream);
        await write.WaitAsync(T);
        Assert.Equal(data, received);
        Assert.False(stalledWrite.IsCompleted);

        // Closing the stalled channel fails the blocked writer promptly.
        await stalled.CloseAsync().WaitAsync(T);
        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => stalledWrite.WaitAsync(T));
    }

    [Fact]
    public async Task WindowOverrun_AbortsWithProtocolError()
    {
        await using var raw = new RawPeerPair(new SshConnectionOptions { ReceiveWindowSize = 1000 });
        Task<SshChannel> open = raw.Connection.OpenSessionAsync();
        byte[] openBytes = await raw.ReceiveAsync();
        (uint id, uint window) = ParseOpen(openBytes);
        Assert.Equal(1000u, window);
        await SendConfirmation(raw, id);
        SshChannel channel = await open.WaitAsync(T);

        await raw.Peer.SendAsync(ChannelDataHeader.CreateDataPacket(id, new byte[600]));
        await raw.Peer.SendAsync(ChannelDataHeader.CreateDataPacket(id, new byte[600]));
        await raw.Connection.Completion.WaitAsync(T);
        var failure = Assert.IsType<SshProtocolException>(raw.Connection.Failure);
        Assert.Equal(DisconnectReason.ProtocolError, failure.Reason);
        Assert.True(raw.Peer.Closed.IsCancellationRequested);
        // Buffered data is still readable, then the failure surfaces.
        byte[] buffer = new byte[1000];
        Assert.Equal(600, await channel.Stream.ReadAsync(buffer).AsTask().WaitAsync(T));
        await Assert.ThrowsAsync<IOException>(() => channel.Stream.ReadAsync(buffer).AsTask().WaitAsync(T));
    }

    /// <summary>Sends a keepalive from the raw peer and waits for the reply: everything sent before has been processed.</summary>
    private static async Task BarrierAsync(RawPeerPair raw)
    {
        var w = new SshWriter(32);
        new GlobalRequestMessage { RequestName = GlobalRequestNames.KeepAlive, WantReply = true }.Write(ref w);
        await raw.SendAsync(w);
        byte[] reply = await raw.ReceiveAsync();
        Assert.Equal((byte)MessageNumber.RequestFailure, reply[0]);
    }

    private static (uint Id, uint Window) ParseOpen(byte[] openBytes)
    {
        var r = new SshReader(openBytes);
        var m = ChannelOpenMessage.Read(ref r);
        return (m.SenderChannel, m.InitialWindowSize);
    }

    private static async Task SendConfirmation(RawPeerPair raw, uint recipient, uint window = 1 << 20)
    {
        var w = new SshWriter(32);
        new ChannelOpenConfirmationMessage { RecipientChannel = recipient, SenderChannel = 77, InitialWindowSize = window, MaximumPacketSize = 32768 }.Write(ref w);
        await raw.SendAsync(w);
    }

    private static async Task<(SshChannel Channel, uint Id)> OpenRawAsync(RawPeerPair raw)
    {
        Task<SshChannel> open = raw.Connection.OpenSessionAsync();
        byte[] openBytes = await raw.ReceiveAsync();
        var r = new SshReader(openBytes);
        uint id = ChannelOpenMessage.Read(ref r).SenderChannel;
        await SendConfirmation(raw, id);
        return (await open.WaitAsync(T), id);
    }

    [Theory]
    [InlineData("dataAfterEof")]
    [InlineData("unknownChannel")]
    [InlineData("globalReplyNothingPending")]
    [InlineData("channelReplyNothingPending")]
    [InlineData("confirmTwice")]
    [InlineData("unexpectedMessage")]
    public async Task ProtocolViolations_Abort(string violation)
    {
        await using var raw = new RawPeerPair();
        (_, uint id) = await OpenRawAsync(raw);
        var w = new SshWriter(32);
        switch (violation)
        {
            case "dataAfterEof":
                new ChannelEofMessage { RecipientChannel = id }.Write(ref w);
                await raw.SendAsync(w);
                await raw.Peer.SendAsync(ChannelDataHeader.CreateDataPacket(id, "x"u8));
                break;
            case "unknownChannel":
                new ChannelEofMessage { RecipientChannel = id + 100 }.Write(ref w);
                await raw.SendAsync(w);
                break;
            case "globalReplyNothingPending":
                new RequestFailureMessage().Write(ref w);
                await raw.SendAsync(w);
                break;
            case "channelReplyNothingPending":
                new ChannelSuccessMessage { RecipientChannel = id }.Write(ref w);
                await raw.SendAsync(w);
                break;
            case "confirmTwice":
                w.Dispose();
                await SendConfirmation(raw, id);
                break;
            case "unexpectedMessage":
                w.Dispose();
                await raw.SendAsync(new byte[] { (byte)MessageNumber.UserAuthSuccess });
                break;
        }
        await raw.Connection.Completion.WaitAsync(T);
        Assert.IsType<SshProtocolException>(raw.Connection.Failure);
    }

    [Fact]
    public async Task UnknownGlobalRequest_GetsFailure_Keepalive_GetsAReply()
    {
        await using var pair = new ConnectionTestPair();
        GlobalRequestReply reply = await pair.Client.SendGlobalRequestAsync("x-unknown@example.com", new byte[] { 1, 2 }, wantReply: true).WaitAsync(T);
        Assert.False(reply.Success);
        reply = await pair.Client.SendGlobalRequestAsync(GlobalRequestNames.KeepAlive, ReadOnlyMemory<byte>.Empty, wantReply: true).WaitAsync(T);
        Assert.False(reply.Success);
    }

    [Fact]
    public async Task UnknownChannelRequest_GetsChannelFailure_KeepaliveTooAndExitStatusRecorded()
    {
        var accepted = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new ConnectionTestPair(serverOpenHandler: ConnectionTestPair.AcceptInto(c => accepted.SetResult(c)));
        SshChannel client = await pair.Client.OpenSessionAsync().WaitAsync(T);
        SshChannel server = await accepted.Task.WaitAsync(T);
        Assert.False(await client.SendRequestAsync("x-unknown@example.com", ReadOnlyMemory<byte>.Empty, wantReply: true).WaitAsync(T));
        Assert.False(await client.SendRequestAsync(ChannelRequestNames.KeepAlive, ReadOnlyMemory<byte>.Empty, wantReply: true).WaitAsync(T));
        await server.SendExitStatusAsync(3).WaitAsync(T);
        await server.Stream.DisposeAsync();
        await client.Completion.WaitAsync(T);
        Assert.Equal(3, client.Stream.ExitStatus);
    }

    [Fact]
    public async Task GlobalReplies_MatchedInOrder_EvenWhenHandlersFinishOutOfOrder()
    {
        await using var pair = new ConnectionTestPair(serverGlobalHandler: async (request, ct) =>
        {
            int delay = request.RequestSpecificData[0];
            await Task.Delay(delay, ct);
            return new GlobalRequestReply(delay % 2 == 0, request.RequestSpecificData);
        });
        byte[] delays = [80, 1, 40, 3, 0, 20];
        Task<GlobalRequestReply>[] replies = [.. delays.Select(d => pair.Client.SendGlobalRequestAsync("x-test", new[] { d }, wantReply: true))];
        GlobalRequestReply[] results = await Task.WhenAll(replies).WaitAsync(T);
        for (int i = 0; i < delays.Length; i++)
        {
            Assert.Equal(delays[i] % 2 == 0, results[i].Success);
            if (results[i].Success) Assert.Equal(new[] { delays[i] }, results[i].ResponseData);
        }
    }

    [Fact]
    public async Task CancelledOpen_DoesNotLeakTheId_LateConfirmationIsClosed()
    {
        await using var raw = new RawPeerPair();
        using var cts = new CancellationTokenSource();
        Task<SshChannel> open = raw.Connection.OpenSessionAsync(cts.Token);
        byte[] openBytes = await raw.ReceiveAsync();
        var r = new SshReader(openBytes);
        uint id = ChannelOpenMessage.Read(ref r).SenderChannel;
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => open.WaitAsync(T));
        Assert.Equal(1, raw.Connection.ChannelCount);

        await SendConfirmation(raw, id);
        byte[] close = await raw.ReceiveAsync();
        Assert.Equal((byte)MessageNumber.ChannelClose, close[0]);
        var cr = new SshReader(close);
        Assert.Equal(77u, ChannelCloseMessage.Read(ref cr).RecipientChannel);
        var w = new SshWriter(8);
        new ChannelCloseMessage { RecipientChannel = id }.Write(ref w);
        await raw.SendAsync(w);
        await BarrierAsync(raw);

        // The id is released.
        Assert.Equal(0, raw.Connection.ChannelCount);
        Assert.Null(raw.Connection.Failure);
    }

    [Fact]
    public async Task Writer_OnChannelClosedByPeer_Throws()
    {
        var accepted = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new ConnectionTestPair(serverOpenHandler: ConnectionTestPair.AcceptInto(c => accepted.SetResult(c)));
        SshChannel client = await pair.Client.OpenSessionAsync().WaitAsync(T);
        SshChannel server = await accepted.Task.WaitAsync(T);
        await server.Stream.DisposeAsync();
        await client.Completion.WaitAsync(T);
        await Assert.ThrowsAsync<IOException>(() => client.Stream.WriteAsync(new byte[10]).AsTask().WaitAsync(T));
        Assert.Equal(0, await client.Stream.ReadAsync(new byte[10]).AsTask().WaitAsync(T));
        await client.Stream.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => client.Stream.WriteAsync(new byte[10]).AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public async Task Writer_WhenConnectionDies_FailsPromptly()
    {
        var options = new SshConnectionOptions { ReceiveWindowSize = 1024 };
        await using var pair = new ConnectionTestPair(options, options, ConnectionTestPair.AcceptInto(_ => { }));
        SshChannel client = await pair.Client.OpenSessionAsync().WaitAsync(T);
        Task write = client.Stream.WriteAsync(new byte[100_000]).AsTask();
        await Task.Delay(50);
        Assert.False(write.IsCompleted);
        pair.ClientPipe.Abort(new Exception("test"), DisconnectReason.ConnectionLost);
        await Assert.ThrowsAsync<IOException>(() => write.WaitAsync(T));
    }

    [Fact]
    public async Task HalfClose_EachWay()
    {
        var accepted = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new ConnectionTestPair(serverOpenHandler: ConnectionTestPair.AcceptInto(c => accepted.SetResult(c)));
        SshChannel client = await pair.Client.OpenSessionAsync().WaitAsync(T);
        SshChannel server = await accepted.Task.WaitAsync(T);

        // Client half-closes; the server reads EOF and can still write; the client still reads.
        client.Stream.CompleteWrites();
        Assert.Equal(0, await server.Stream.ReadAsync(new byte[10]).AsTask().WaitAsync(T));
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.Stream.WriteAsync(new byte[1]).AsTask());
        await server.Stream.WriteAsync("after eof"u8.ToArray()).AsTask().WaitAsync(T);
        byte[] buffer = new byte[20];
        int n = await client.Stream.ReadAsync(buffer).AsTask().WaitAsync(T);
        Assert.Equal("after eof", Encoding.ASCII.GetString(buffer, 0, n));

        // Then the server half-closes as well.
        await server.Stream.CompleteWritesAsync().WaitAsync(T);
        Assert.Equal(0, await client.Stream.ReadAsync(buffer).AsTask().WaitAsync(T));
        Assert.Null(pair.Client.Failure);
        Assert.Null(pair.Server.Failure);
    }

    [Fact]
    public async Task Exec_RejectedByServer_WithStderrMessage()
    {
        var accepted = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new ConnectionTestPair(serverOpenHandler: ConnectionTestPair.AcceptInto(c => accepted.SetResult(c), c =>
            c.RequestHandler = async (request, ct) =>
            {
                if (request.RequestType is ChannelRequestNames.Exec or ChannelRequestNames.Shell)
                {
                    Assert.Equal("uptime", ExecRequestData.Parse(request.RequestSpecificData).Command);
                    await request.Channel.StandardError.WriteAsync("This service allows port forwarding only.\r\n"u8.ToArray(), ct);
                    await request.Channel.SendExitStatusAsync(1, ct);
                    return false;
                }
                return false;
            }));
        SshChannel client = await pair.Client.OpenSessionAsync().WaitAsync(T);
        await Assert.ThrowsAsync<SshRequestRejectedException>(() => client.ExecAsync("uptime").WaitAsync(T));
        byte[] buffer = new byte[100];
        int n = await client.StandardError.ReadAsync(buffer).AsTask().WaitAsync(T);
        Assert.Equal("This service allows port forwarding only.\r\n", Encoding.ASCII.GetString(buffer, 0, n));
        Assert.Equal(1, client.Stream.ExitStatus);
    }

    [Fact]
    public async Task NoMoreSessions_ThenSessionOpen_AbortsConnection()
    {
        await using var pair = new ConnectionTestPair(serverOpenHandler: open => open.AcceptAsync());
        await pair.Client.OpenSessionAsync().WaitAsync(T);
        await pair.Client.SendNoMoreSessionsAsync().WaitAsync(T);
        // direct-tcpip is still fine.
        await pair.Client.OpenDirectTcpipAsync("h", 1, "o", 2).WaitAsync(T);
        Assert.True(pair.Server.NoMoreSessionsReceived);
        await Assert.ThrowsAnyAsync<SshException>(() => pair.Client.OpenSessionAsync().WaitAsync(T));
        await pair.Server.Completion.WaitAsync(T);
        Assert.IsType<SshProtocolException>(pair.Server.Failure);
    }

    [Fact]
    public async Task KeepAlive_TimesOut_WhenPeerNeverAnswers()
    {
        await using var raw = new RawPeerPair();
        var ex = await Assert.ThrowsAsync<SshConnectionException>(() => raw.Connection.RunKeepAliveAsync(TimeSpan.FromMilliseconds(50), 2).WaitAsync(T));
        Assert.Equal("Timeout, server not responding.", ex.Message);
        // Exactly countMax keepalives went out, each a global request with want-reply.
        for (int i = 0; i < 2; i++)
        {
            byte[] sent = await raw.ReceiveAsync();
            var r = new SshReader(sent);
            var request = GlobalRequestMessage.Read(ref r);
            Assert.Equal(GlobalRequestNames.KeepAlive, request.RequestName);
            Assert.True(request.WantReply);
        }
        Assert.True(raw.Connection.Closed.IsCancellationRequested);
    }

    [Fact]
    public async Task KeepAlive_AnsweredPeer_StaysUp()
    {
        await using var pair = new ConnectionTestPair();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        await pair.Client.RunKeepAliveAsync(TimeSpan.FromMilliseconds(30), 1, cts.Token).WaitAsync(T);
        Assert.Null(pair.Client.Failure);
        Assert.True(pair.ClientPipe.SentCount >= 3);
    }
}
