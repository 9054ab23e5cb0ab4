namespace SshTunnel.Transport.Compression;

/// <summary>
/// A read-only stream that hands out the bytes of the current packet and then returns 0 (without ending anything), so one
/// <see cref="System.IO.Compression.ZLibStream"/> can inflate a long-lived zlib stream packet by packet.
/// </summary>
internal sealed class ZlibFeedStream : Stream
{
    private byte[] _buffer = new byte[4096];
    private int _offset;
    private int _count;

    /// <summary>Bytes of the current packet not yet taken by the reader.</summary>
    public int Remaining => _count - _offset;

    /// <summary>Replaces the pending input with a copy of <paramref name="data"/>.</summary>
    public void SetInput(ReadOnlySpan<byte> data)
    {
        if (data.Length > _buffer.Length) _buffer = new byte[Math.Max(data.Length, _buffer.Length * 2)];
        data.CopyTo(_buffer);
        _offset = 0;
        _count = data.Length;
    }

    /// <summary>Drops any pending input.</summary>
    public void ClearInput()
    {
        _offset = 0;
        _count = 0;
    }

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, Remaining);
        _buffer.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    /// <inheritdoc/>
    public override void Flush() { }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
