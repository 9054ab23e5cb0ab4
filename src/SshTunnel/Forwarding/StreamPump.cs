using System.Buffers;
using System.Net.Sockets;

namespace SshTunnel.Forwarding;

/// <summary>
/// Copies both ways between a TCP socket and a channel stream, keeping half-close in both directions:
/// TCP FIN from the socket becomes CHANNEL_EOF (<see cref="ChannelStream.CompleteWrites"/>) while the other
/// direction goes on; CHANNEL_EOF from the peer becomes <c>Socket.Shutdown(Send)</c>. When both directions have
/// ended the channel is closed (CHANNEL_CLOSE) and the socket disposed. An error or reset in either direction
/// closes both at once (the socket with a reset). One rented buffer per direction, sized to the channel's maximum packet.
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

    private static async Task SocketToChannelAsync(Socket socket, Stream channel, int bufferSize, StreamPumpCounters? counters, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(0, bufferSize), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                await channel.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                counters?.AddSocketToChannel(read);
            }
            if (channel is ChannelStream channelStream)
            {
                await channelStream.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task ChannelToSocketAsync(Stream channel, Socket socket, int bufferSize, StreamPumpCounters? counters, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        ChannelStream? channelStream = channel as ChannelStream;
        try
        {
            while (true)
            {
                // A ChannelStream read resumes this loop on the connection's receive loop (no thread-pool hop per
                // packet). That is safe only because nothing below blocks the thread: Socket.SendAsync to a slow
                // local peer pends (the receive loop goes on with other channels; this one's window then stops the
                // peer), it never blocks. Keep it that way: no synchronous I/O or waits in this loop.
                int read = channelStream is not null
                    ? await channelStream.ReadInlineAsync(buffer.AsMemory(0, bufferSize), cancellationToken).ConfigureAwait(false)
                    : await channel.ReadAsync(buffer.AsMemory(0, bufferSize), cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                int sent = 0;
                while (sent < read)
                {
                    sent += await socket.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                counters?.AddChannelToSocket(read);
            }
            socket.Shutdown(SocketShutdown.Send);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
