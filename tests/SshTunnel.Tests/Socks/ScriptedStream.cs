namespace SshTunnel.Tests.Socks;

/// <summary>
/// A client as seen by the server: reads return the scripted input in chunks of <c>chunkSize</c> bytes, then
/// EOF (or, with <c>hangAtEnd</c>, block until disposed, like a silent client whose reads ignore the token).
/// Everything written is recorded in <see cref="Written"/>.
/// </summary>
internal sealed class ScriptedStream(byte[] input, int chunkSize = int.MaxValue, bool hangAtEnd = false) : Stream
{
    private readonly MemoryStream _written = new();
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _position;

    public byte[] Written
    {
        get
        {
            lock (_written) return _written.ToArray();
        }
    }

    public bool IsDisposed => _disposed.Task.IsCompleted;

    public int BytesConsumed => _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_position >= input.Length)
        {
            if (!hangAtEnd) return 0;
            await _disposed.Task; // deliberately ignores the token: cancellation must work by disposing the stream
            throw new ObjectDisposedException(nameof(ScriptedStream));
        }
        int n = Math.Min(Math.Min(chunkSize, buffer.Length), input.Length - _position);
        input.AsSpan(_position, n).CopyTo(buffer.Span);
        _position += n;
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        lock (_written) _written.Write(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        lock (_written) _written.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _disposed.TrySetResult();
        base.Dispose(disposing);
    }
}
