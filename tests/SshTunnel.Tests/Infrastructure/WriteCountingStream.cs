namespace SshTunnel.Tests.Infrastructure;

/// <summary>
/// Passes everything to an inner stream and counts the writes: all of them (<see cref="Writes"/>) and those made
/// while <paramref name="marked"/> returns true on the writing thread (<see cref="MarkedWrites"/>, e.g. "inside
/// SendAsync on the test thread"). For tests of which thread writes, and how often.
/// </summary>
internal sealed class WriteCountingStream(Stream inner, Func<bool> marked) : Stream
{
    private int _writes;

    /// <summary>Writes counted while marked; tests may reset it.</summary>
    public int MarkedWrites;

    public int Writes => Volatile.Read(ref _writes);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Record();
        inner.Write(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Record();
        return inner.WriteAsync(buffer, cancellationToken);
    }

    private void Record()
    {
        Interlocked.Increment(ref _writes);
        if (marked()) Interlocked.Increment(ref MarkedWrites);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
