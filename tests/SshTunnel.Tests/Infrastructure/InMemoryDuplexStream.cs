using System.IO.Pipelines;

namespace SshTunnel.Tests.Infrastructure;

/// <summary>
/// One end of a buffered in-memory full-duplex byte stream (two <see cref="Pipe"/>s). Buffered, so both sides can
/// write their version line first without deadlocking. Disposing an end completes its writer (the peer reads EOF).
/// </summary>
internal sealed class InMemoryDuplexStream : Stream
{
    private readonly Stream _reader;
    private readonly Stream _writer;
    private readonly PipeWriter _pipeWriter;
    private readonly PipeReader _pipeReader;

    private InMemoryDuplexStream(PipeReader reader, PipeWriter writer)
    {
        _pipeReader = reader;
        _pipeWriter = writer;
        _reader = reader.AsStream();
        _writer = writer.AsStream();
    }

    /// <summary>Creates two connected ends.</summary>
    public static (InMemoryDuplexStream A, InMemoryDuplexStream B) CreatePair()
    {
        var options = new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false);
        var ab = new Pipe(options);
        var ba = new Pipe(options);
        return (new InMemoryDuplexStream(ba.Reader, ab.Writer), new InMemoryDuplexStream(ab.Reader, ba.Writer));
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => _writer.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => _reader.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _reader.ReadAsync(buffer, cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _reader.ReadAsync(buffer, offset, count, cancellationToken);
    public override void Write(byte[] buffer, int offset, int count) => _writer.Write(buffer, offset, count);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _writer.WriteAsync(buffer, cancellationToken);
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _writer.WriteAsync(buffer, offset, count, cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pipeWriter.Complete();
            _pipeReader.Complete();
        }
        base.Dispose(disposing);
    }
}
