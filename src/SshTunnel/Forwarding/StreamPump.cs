using System.Buffers;
using System.Net.Sockets;

namespace SshTunnel.Forwarding;

/// <summary>
/// Copies both ways between a TCP socket and a channel stream, keeping half-close in both directions:
/// TCP FIN from the socket becomes CHANNEL_EOF (<see cref="ChannelStream.CompleteWrites"/>) while the other
/// direction goes on; CHANNEL_EOF from the peer becomes <c>Socket.Shutdown(Send)</c>. When both directions have
/// ended the channel is closed (CHANNEL_CLOSE) and the socket disposed. An error or reset in either direction
/// closes both at once (the socket with a reset). Buffers are rented per read or burst, none is held while idle:
/// socket to channel reads up to 256 KiB per recv while the socket has more; channel to socket takes everything
/// buffered for the channel (up to 256 KiB) into one send.
/// </summary>
internal static class StreamPump
{
    private const int DefaultBufferSize = 32 * 1024;

    /// <summary>
    /// Runs until both directions end; takes ownership of <paramref name="socket"/> and <paramref name="channel"/>
    /// (both are closed on return). Never throws for I/O errors (they end the pump); returns the first error, or null.
    /// </summary>
    public static Task<Exception?> RunAsync(Socket socket, Stream channel, CancellationToken cancellationToken = default)
        => RunAsync(socket, channel, null, cancellationToken);

    /// <summary>As <see cref="RunAsync(Socket, Stream, CancellationToken)"/>, counting bytes each way in <paramref name="counters"/>.</summary>
    public static async Task<Exception?> RunAsync(Socket socket, Stream channel, StreamPumpCounters? counters, CancellationToken cancellationToken)
    {
        int bufferSize = channel is ChannelStream cs ? Math.Max(cs.MaximumPacketSize, 1024) : DefaultBufferSize;
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task toChannel = SocketToChannelAsync(socket, channel, bufferSize, counters, abort.Token);
        Task toSocket = ChannelToSocketAsync(channel, socket, bufferSize, counters, abort.Token);
        Exception? error = null;
        Task first = await Task.WhenAny(toChannel, toSocket).ConfigureAwait(false);
        if (!first.IsCompletedSuccessfully)
        {
            error = first.Exception?.InnerException ?? new OperationCanceledException();
            await AbortAsync(socket, channel, abort).ConfigureAwait(false);
        }
        try
        {
            await Task.WhenAll(toChannel, toSocket).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (error is null)
            {
                error = ex;
                await AbortAsync(socket, channel, abort).ConfigureAwait(false);
            }
        }
        if (error is null)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
        }
        return error;
    }

    private static async Task AbortAsync(Socket socket, Stream channel, CancellationTokenSource abort)
    {
        await abort.CancelAsync().ConfigureAwait(false);
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST: the peer sees a reset, not a clean EOF
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        socket.Dispose();
        await channel.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Largest socket read the pump makes for a channel while the socket keeps filling its buffer (bulk).</summary>
    private const int MaxReceiveBurst = 256 * 1024;

    private static async Task SocketToChannelAsync(Socket socket, Stream channel, int bufferSize, StreamPumpCounters? counters, CancellationToken cancellationToken)
    {
        // Idle, the pump waits with a zero-byte receive (no buffer held). A read that fills its buffer means the socket
        // has more: the next read takes up to MaxReceiveBurst at once (one recv for several packets' worth); the
        // channel splits it into packets of the peer's maximum size.
        bool bulk = false;
        while (true)
        {
            if (!bulk)
            {
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            int size = bulk ? Math.Max(bufferSize, MaxReceiveBurst) : bufferSize;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(0, size), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                bulk = read == size;
                await channel.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                counters?.AddSocketToChannel(read);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        if (channel is ChannelStream channelStream)
        {
            await channelStream.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (channel is System.Net.Sockets.NetworkStream { Socket: { } peer })
        {
            // A library caller's socket in place of a channel (e.g. DynamicForward.ServeAsync over TCP): half-close it too.
            peer.Shutdown(SocketShutdown.Send);
        }
    }

    /// <summary>Most bytes the pump takes from a channel for one socket send (sshd writes ~170 KB per write on bulk).</summary>
    private const int MaxSendBurst = 256 * 1024;

    private static async Task ChannelToSocketAsync(Stream channel, Socket socket, int bufferSize, StreamPumpCounters? counters, CancellationToken cancellationToken)
    {
        if (channel is ChannelStream channelStream)
        {
            await ChannelStreamToSocketAsync(channelStream, socket, counters, cancellationToken).ConfigureAwait(false);
            return;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            while (true)
            {
                int read = await channel.ReadAsync(buffer.AsMemory(0, bufferSize), cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                await SendAllAsync(socket, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                counters?.AddChannelToSocket(read);
            }
            socket.Shutdown(SocketShutdown.Send);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Channel to socket for SSH channels: waits (holding no buffer) until data is buffered, then takes all of it,
    /// up to <see cref="MaxSendBurst"/>, into one rented buffer and sends it in one call. The connection wakes the
    /// channel's reader once per burst of packets, so a burst of 32 KiB packets becomes one send.
    /// </summary>
    private static async Task ChannelStreamToSocketAsync(ChannelStream channel, Socket socket, StreamPumpCounters? counters, CancellationToken cancellationToken)
    {
        while (true)
        {
            // The wait resumes this loop on the connection's receive loop (no thread-pool hop per burst). That is safe
            // only because nothing below blocks the thread: Socket.SendAsync to a slow local peer pends (the receive
            // loop goes on with other channels; this one's window then stops the peer), it never blocks. Keep it that
            // way: no synchronous I/O or waits in this loop.
            int available = await channel.WaitToReadInlineAsync(cancellationToken).ConfigureAwait(false);
            if (available == 0) break;
            int size = Math.Min(available, MaxSendBurst);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                // Data is buffered, so this read does not wait (it may queue a WINDOW_ADJUST).
                int read = await channel.ReadAsync(buffer.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                await SendAllAsync(socket, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                counters?.AddChannelToSocket(read);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        socket.Shutdown(SocketShutdown.Send);
    }

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }
}
