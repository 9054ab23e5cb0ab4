using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace SshTunnel.Client;

/// <summary>
/// The client's transport socket as a stream that acknowledges received data at once (Linux TCP_QUICKACK, re-armed
/// after every read because the kernel drops back to delayed ACKs by itself).
/// </summary>
/// <remarks>
/// OpenSSH's sshd sets TCP_NODELAY only when a session starts, so with <c>-N</c> it runs with Nagle's algorithm: a
/// small packet (CHANNEL_EOF/CLOSE, the next kex message) waits until its previous segment is acknowledged. With
/// delayed ACKs on our side that wait is up to 40 ms per round (OpenSSH itself does ~13 new -L connections/s at
/// <c>ab -c 1</c>). Acknowledging right after each read releases the server's held segment within a round trip.
/// The cost is one setsockopt per read (reads are up to 64 KiB on bulk transfers).
/// </remarks>
internal sealed class QuickAckNetworkStream : NetworkStream
{
    private const int IpProtoTcp = 6;
    private const int TcpQuickAck = 12;
    private static readonly byte[] One = [1, 0, 0, 0];

    private readonly bool _enabled;

    public QuickAckNetworkStream(Socket socket)
        : base(socket, ownsSocket: true)
    {
        _enabled = OperatingSystem.IsLinux();
    }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await base.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read > 0) AcknowledgeNow();
        return read;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    /// <remarks>
    /// Read(Span) is not overridden: for a derived type NetworkStream routes it through this overload (overriding
    /// both and forwarding one to the other recurses).
    /// </remarks>
    public override int Read(byte[] buffer, int offset, int count)
    {
        int read = base.Read(buffer, offset, count);
        if (read > 0) AcknowledgeNow();
        return read;
    }

    private void AcknowledgeNow()
    {
        if (!_enabled) return;
        try
        {
            Socket.SetRawSocketOption(IpProtoTcp, TcpQuickAck, One);
        }
        catch (SocketException)
        {
            // Not a TCP socket option this kernel knows, or the socket is closing: plain delayed ACKs then.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
