using System.Buffers;

namespace SshTunnel.Connection;

/// <summary>
/// Inbound bytes of one channel in segments rented from <see cref="ArrayPool{T}.Shared"/>. The size is bounded by
/// the receive window (checked before <see cref="Append"/>), so a peer cannot make us hold more. Data is copied
/// out of the packet so a peer sending many tiny packets cannot pin many large packet buffers.
/// Not thread-safe: the owning channel serialises calls under its lock.
/// </summary>
internal sealed class ChannelBuffer
{
    private const int SegmentSize = 32 * 1024;

    private readonly Queue<byte[]> _segments = new();
    private byte[]? _tail;
    private int _tailLength;   // bytes written into _tail
    private int _headOffset;   // bytes already read from the head segment (the first of _segments, or _tail when _segments is empty)
    private long _length;

    /// <summary>Bytes held.</summary>
    public long Length => _length;

    /// <summary>Copies <paramref name="data"/> in.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_tail is null || _tailLength == _tail.Length)
            {
                if (_tail is not null) _segments.Enqueue(_tail);
                _tail = ArrayPool<byte>.Shared.Rent(SegmentSize);
                _tailLength = 0;
                if (_segments.Count == 0) _headOffset = 0;
            }
            int n = Math.Min(data.Length, _tail.Length - _tailLength);
            data[..n].CopyTo(_tail.AsSpan(_tailLength));
            _tailLength += n;
            _length += n;
            data = data[n..];
        }
    }

    /// <summary>Copies up to <paramref name="destination"/>.Length bytes out; returns the count.</summary>
    public int Read(Span<byte> destination)
    {
        int total = 0;
        while (!destination.IsEmpty && _length > 0)
        {
            byte[] head;
            int headEnd;
            bool headIsTail = _segments.Count == 0;
            if (headIsTail)
            {
                head = _tail!;
                headEnd = _tailLength;
            }
            else
            {
                head = _segments.Peek();
                headEnd = head.Length;
            }
            int n = Math.Min(destination.Length, headEnd - _headOffset);
            head.AsSpan(_headOffset, n).CopyTo(destination);
            destination = destination[n..];
            _headOffset += n;
            _length -= n;
            total += n;
            if (_headOffset == headEnd)
            {
                if (headIsTail)
                {
                    // Keep the tail for reuse, but empty.
                    _tailLength = 0;
                    _headOffset = 0;
                }
                else
                {
                    ArrayPool<byte>.Shared.Return(_segments.Dequeue());
                    _headOffset = 0;
                }
            }
        }
        return total;
    }

    /// <summary>Drops everything and returns the segments to the pool.</summary>
    public void Clear()
    {
        while (_segments.Count > 0) ArrayPool<byte>.Shared.Return(_segments.Dequeue());
        if (_tail is not null) ArrayPool<byte>.Shared.Return(_tail);
        _tail = null;
        _tailLength = 0;
        _headOffset = 0;
        _length = 0;
    }
}
