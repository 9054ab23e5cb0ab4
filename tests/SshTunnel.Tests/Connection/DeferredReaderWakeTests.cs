using System.Collections.Concurrent;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Transport;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Tests.Connection;

/// <summary>
/// The receive loop wakes a waiting channel reader once per burst: when the transport has no further packet ready,
/// or after 256 KiB of data, not once per CHANNEL_DATA packet (so the forwarding pump sends a burst in one call).
/// </summary>
public class DeferredReaderWakeTests
{
    private static readonly TimeSpan T = ConnectionTestPair.Timeout;

    [Fact]
    public async Task BurstOfPackets_WakesTheInlineReaderOnceWithAllOfIt()
    {
        await using var peer = new BurstTransport();
        await using var connection = new SshConnection(peer);
        connection.Start();
        SshChannel channel = await peer.OpenChannelAsync(connection);

        ValueTask<int> wait = channel.WaitToReadAsync(extended: false, inlineContinuation: true, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        peer.Deliver([.. Enumerable.Range(0, 4).Select(i => ChannelDataHeader.CreateDataPacket(channel.LocalChannelId, new byte[1000]))]);

        // Woken inline, once: the count is taken on the receive loop at the wake, after all four packets.
        Assert.Equal(4000, await wait.AsTask().WaitAsync(T));
    }

    [Fact]
    public async Task LongBurst_WakesAfter256KiB_ThenDeliversTheRest()
    {
        await using var peer = new BurstTransport();
        await using var connection = new SshConnection(peer);
        connection.Start();
        SshChannel channel = await peer.OpenChannelAsync(connection);

        ValueTask<int> wait = channel.WaitToReadAsync(extended: false, inlineContinuation: true, CancellationToken.None);
        byte[][] chunks = [.. Enumerable.Range(0, 12).Select(i => Enumerable.Repeat((byte)i, 32 * 1024).ToArray())];
        peer.Deliver([.. chunks.Select(c => ChannelDataHeader.CreateDataPacket(channel.LocalChannelId, c))]);

        Assert.Equal(256 * 1024, await wait.AsTask().WaitAsync(T)); // not held back until the whole burst is in
        var received = new byte[12 * 32 * 1024];
        int total = 0;
        while (total < received.Length)
        {
            int available = await channel.WaitToReadAsync(extended: false, inlineContinuation: false, CancellationToken.None).AsTask().WaitAsync(T);
            Assert.True(available > 0);
            total += await channel.ReadAsync(received.AsMemory(total), extended: false, CancellationToken.None).AsTask().WaitAsync(T);
        }
        Assert.Equal(chunks.SelectMany(c => c).ToArray(), received);
    }

    [Fact]
    public async Task WaitToRead_ReturnsZeroAtEof_AfterTheBufferedData()
    {
        await using var peer = new BurstTransport();
        await using var connection = new SshConnection(peer);
        connection.Start();
        SshChannel channel = await peer.OpenChannelAsync(connection);

        ValueTask<int> wait = channel.WaitToReadAsync(extended: false, inlineContinuation: true, CancellationToken.None);
        var eof = new SshWriter(8);
        new ChannelEofMessage { RecipientChannel = channel.LocalChannelId }.Write(ref eof);
        peer.Deliver([ChannelDataHeader.CreateDataPacket(channel.LocalChannelId, "abc"u8), eof.ToPacket()]);

        Assert.Equal(3, await wait.AsTask().WaitAsync(T));
        var buffer = new byte[16];
        Assert.Equal(3, await channel.ReadAsync(buffer, extended: false, CancellationToken.None).AsTask().WaitAsync(T));
        Assert.Equal(0, await channel.WaitToReadAsync(extended: false, inlineContinuation: true, CancellationToken.None).AsTask().WaitAsync(T));
    }

    /// <summary>
    /// A transport whose <see cref="ReceiveAsync"/> completes synchronously while delivered packets are queued, and
    /// pends only when none is (as the real transport does with buffered bytes). <see cref="Deliver"/> queues a whole
    /// burst before the receive loop is woken.
    /// </summary>
    private sealed class BurstTransport : IPacketTransport, IAsyncDisposable
    {
        private readonly object _lock = new();
        private readonly Queue<Packet> _incoming = new();
        private readonly CancellationTokenSource _closed = new();
        private TaskCompletionSource? _ready;
        private readonly ConcurrentQueue<byte[]> _sent = new();
        private readonly SemaphoreSlim _sentSignal = new(0);

        public ReadOnlyMemory<byte> SessionId => new byte[32];

        public IReadOnlyList<string> ServerSignatureAlgorithms => [];

        public string RemoteVersion => "SSH-2.0-Test";

        public CancellationToken Closed => _closed.Token;

        public void Deliver(Packet[] packets)
        {
            TaskCompletionSource? ready;
            lock (_lock)
            {
                foreach (Packet packet in packets) _incoming.Enqueue(packet);
                ready = _ready;
                _ready = null;
            }
            ready?.TrySetResult();
        }

        public async ValueTask<Packet> ReceiveAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Task wait;
                lock (_lock)
                {
                    if (_incoming.TryDequeue(out Packet packet)) return packet;
                    _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _ready.Task;
                }
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public ValueTask SendAsync(Packet packet, CancellationToken cancellationToken = default)
        {
            SendControl(packet);
            return ValueTask.CompletedTask;
        }

        public void SendControl(Packet packet)
        {
            using (packet) _sent.Enqueue(packet.Payload.ToArray());
            _sentSignal.Release();
        }

        public void Abort(Exception reason, DisconnectReason disconnectReason = DisconnectReason.ByApplication) => _closed.Cancel();

        /// <summary>Opens a channel from <paramref name="connection"/> and confirms it as the peer (window 4 MiB).</summary>
        public async Task<SshChannel> OpenChannelAsync(SshConnection connection)
        {
            Task<SshChannel> open = connection.OpenChannelAsync(ChannelTypes.Session, ReadOnlyMemory<byte>.Empty);
            byte[] payload = await NextSentAsync();
            var reader = new SshReader(payload);
            ChannelOpenMessage message = ChannelOpenMessage.Read(ref reader);
            var writer = new SshWriter(32);
            new ChannelOpenConfirmationMessage
            {
                RecipientChannel = message.SenderChannel,
                SenderChannel = 7,
                InitialWindowSize = 4 * 1024 * 1024,
                MaximumPacketSize = 32 * 1024,
            }.Write(ref writer);
            Deliver([writer.ToPacket()]);
            return await open.WaitAsync(T);
        }

        private async Task<byte[]> NextSentAsync()
        {
            Assert.True(await _sentSignal.WaitAsync(T));
            Assert.True(_sent.TryDequeue(out byte[]? payload));
            return payload;
        }

        public ValueTask DisposeAsync()
        {
            _closed.Cancel();
            lock (_lock)
            {
                while (_incoming.TryDequeue(out Packet packet)) packet.Dispose();
            }
            _closed.Dispose();
            _sentSignal.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
