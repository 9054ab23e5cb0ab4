using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using SshTunnel.Connection;
using SshTunnel.Forwarding;

namespace SshTunnel.Tests.Connection;

/// <summary>
/// Reads armed with inlineContinuation resume on the connection's receive loop: never under the channel's lock,
/// and a forwarding pump whose local peer does not read must not stall the other channels.
/// </summary>
public class InlineChannelReadTests
{
    private static readonly TimeSpan T = ConnectionTestPair.Timeout;

    [Fact]
    public async Task InlineRead_ResumesWithoutTheChannelLockHeld()
    {
        var accepted = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new ConnectionTestPair(serverOpenHandler: ConnectionTestPair.AcceptInto(c => accepted.SetResult(c)));
        SshChannel client = await pair.Client.OpenSessionAsync().WaitAsync(T);
        SshChannel server = await accepted.Task.WaitAsync(T);

        var buffer = new byte[64];
        bool lockWasFree = false;
        async Task<int> ReadAndProbeAsync()
        {
            int n = await server.ReadAsync(buffer, extended: false, inlineContinuation: true, CancellationToken.None).ConfigureAwait(false);
            // Another thread must be able to take the channel's lock while this continuation runs.
            lockWasFree = Task.Run(() => server.IsOpening).Wait(TimeSpan.FromSeconds(5));
            return n;
        }
        Task<int> read = ReadAndProbeAsync(); // armed: nothing has arrived yet
        Assert.False(read.IsCompleted);

        await client.Stream.WriteAsync("hello"u8.ToArray()).AsTask().WaitAsync(T);
        Assert.Equal(5, await read.WaitAsync(T));
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);
        Assert.True(lockWasFree);
    }

    [Fact]
    public async Task Pump_LocalPeerNotReading_StallsOnlyItsChannel()
    {
        var options = new SshConnectionOptions { ReceiveWindowSize = 64 * 1024 };
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
        SshChannel stalledServer = servers.Single(c => c.RemoteChannelId == stalled.LocalChannelId);
        SshChannel flowingServer = servers.Single(c => c.RemoteChannelId == flowing.LocalChannelId);

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(2);
        (Socket stalledPump, Socket stalledPeer) = await ConnectPairAsync(listener);
        (Socket flowingPump, Socket flowingPeer) = await ConnectPairAsync(listener);
        Task<Exception?> stalledRun = StreamPump.RunAsync(stalledPump, stalledServer.Stream);
        Task<Exception?> flowingRun = StreamPump.RunAsync(flowingPump, flowingServer.Stream);
        using (stalledPeer)
        using (flowingPeer)
        {

            // Nobody reads stalledPeer: the pump's socket send pends, the channel's window runs out, the writer waits.
            Task stalledWrite = stalled.Stream.WriteAsync(new byte[16 * 1024 * 1024]).AsTask();
            using (var deadline = new CancellationTokenSource(T))
            {
                while (stalled.SendWindow.Available != 0) await Task.Delay(10, deadline.Token);
            }

            // The receive loop still serves the other channel: 1 MiB through its pump, intact.
            byte[] data = RandomNumberGenerator.GetBytes(1024 * 1024);
            Task write = Task.Run(async () =>
            {
                await flowing.Stream.WriteAsync(data);
                await flowing.Stream.CompleteWritesAsync();
            });
            byte[] received = await ReadToEndAsync(flowingPeer).WaitAsync(T);
            await write.WaitAsync(T);
            Assert.Equal(data, received);
            Assert.False(stalledWrite.IsCompleted);

            flowingPeer.Shutdown(SocketShutdown.Send); // both directions ended: the pump closes cleanly
            Assert.Null(await flowingRun.WaitAsync(T));
            await stalled.CloseAsync().WaitAsync(T);
            await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => stalledWrite.WaitAsync(T));
        }
        await stalledRun.WaitAsync(T); // its local peer went away: the pending socket send fails and the pump ends
    }

    private static async Task<(Socket Pump, Socket Peer)> ConnectPairAsync(Socket listener)
    {
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 8192 };
        Task<Socket> accept = listener.AcceptAsync();
        await peer.ConnectAsync(listener.LocalEndPoint!);
        Socket pump = await accept.WaitAsync(T);
        pump.SendBufferSize = 8192;
        return (pump, peer);
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var ms = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0) ms.Write(buffer, 0, n);
        return ms.ToArray();
    }
}
