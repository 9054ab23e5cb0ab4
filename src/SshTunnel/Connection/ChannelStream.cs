using SshTunnel.Connection;

namespace SshTunnel;

/// <summary>
/// An SSH channel (RFC 4254 §5) as a <see cref="System.IO.Stream"/>: reads return the peer's data and 0 after its
/// SSH_MSG_CHANNEL_EOF or CLOSE; writes send SSH_MSG_CHANNEL_DATA within the peer's window;
/// <see cref="CompleteWrites"/> half-closes (SSH_MSG_CHANNEL_EOF); disposing sends SSH_MSG_CHANNEL_CLOSE.
/// One reader and one writer at a time. Writes on a closed channel throw promptly, never hang.
/// </summary>
public sealed class ChannelStream : Stream
{
    private readonly SshChannel _channel;
    private readonly bool _extended;

    internal ChannelStream(SshChannel channel, bool extended)
    {
        _channel = channel;
        _extended = extended;
    }

    internal SshChannel Channel => _channel;

    /// <summary>The exit status the peer sent with "exit-status" (RFC 4254 §6.10), or null.</summary>
    public int? ExitStatus => _channel.ExitStatus is uint status ? (int)status : null;

    /// <summary>Largest data chunk sent per packet, in bytes (the peer's maximum packet size, at most 32 KiB).</summary>
    public int MaximumPacketSize => _channel.SendChunkSize;

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Reads data; returns 0 once the peer sent EOF or closed the channel.</summary>
    /// <exception cref="ObjectDisposedException">The stream was disposed.</exception>
    /// <exception cref="IOException">The connection ended before EOF.</exception>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _channel.ReadAsync(buffer, _extended, cancellationToken);

    /// <summary>
    /// For the forwarding pump: waits until data is buffered, and when it has to wait, the caller's continuation runs
    /// synchronously on the connection's receive loop as data arrives (no thread-pool hop); that continuation must
    /// never block the thread (see <see cref="SshChannel.ReadAsync(Memory{byte}, bool, bool, CancellationToken)"/>). Returns the bytes buffered,
    /// or 0 at EOF. Consumes nothing: the next
    /// <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> returns data without waiting. Lets the forwarding
    /// pump size one buffer for everything that arrived in a burst, and hold no buffer while the channel is idle.
    /// </summary>
    internal ValueTask<int> WaitToReadInlineAsync(CancellationToken cancellationToken)
        => _channel.WaitToReadAsync(_extended, inlineContinuation: true, cancellationToken);

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Synchronous read (blocks the calling thread; prefer <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>).</summary>
    public override int Read(byte[] buffer, int offset, int count)
        => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Sends data, waiting for window credit.</summary>
    /// <exception cref="ObjectDisposedException">The stream was disposed.</exception>
    /// <exception cref="InvalidOperationException"><see cref="CompleteWrites"/> was called.</exception>
    /// <exception cref="IOException">The peer closed the channel or the connection ended.</exception>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        => _channel.WriteAsync(buffer, _extended, cancellationToken);

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Synchronous write (blocks the calling thread; prefer <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>).</summary>
    public override void Write(byte[] buffer, int offset, int count)
        => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Does nothing: writes are handed to the transport as they are made.</summary>
    public override void Flush() { }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Half-close: sends SSH_MSG_CHANNEL_EOF after the writes already made (RFC 4254 §5.3); reads go on.</summary>
    public void CompleteWrites()
    {
        if (_extended) return;
        _channel.CompleteWritesAsync().Forget();
    }

    /// <summary>Half-close, awaiting the EOF being queued for sending.</summary>
    public Task CompleteWritesAsync(CancellationToken cancellationToken = default)
        => _extended ? Task.CompletedTask : _channel.CompleteWritesAsync(cancellationToken);

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Closes the channel (SSH_MSG_CHANNEL_CLOSE); the stderr stream's dispose does nothing.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_extended) _channel.CloseAsync().Forget();
        base.Dispose(disposing);
    }

    /// <summary>Closes the channel, awaiting the CLOSE being queued.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (!_extended) await _channel.CloseAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
