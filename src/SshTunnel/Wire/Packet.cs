using System.Buffers;

namespace SshTunnel.Wire;

/// <summary>
/// One SSH message payload in a buffer rented from <see cref="ArrayPool{T}.Shared"/>.
/// Layout of the rented array: [<see cref="HeaderLength"/> bytes reserved for packet_length and padding_length]
/// [payload] [room for padding and MAC tag]. The reserved space lets the transport frame and encrypt in place.
/// Ownership rule: whoever holds a Packet disposes it exactly once, or passes it on (a method that takes a Packet
/// by value takes ownership, even when it throws). Default(Packet) is empty and disposing it does nothing.
/// </summary>
internal struct Packet : IDisposable
{
    /// <summary>Bytes reserved in front of the payload: uint32 packet_length + byte padding_length.</summary>
    public const int HeaderLength = 5;

    /// <summary>Bytes kept free after the payload: at most 4+31 padding (32-byte alignment) and a 64-byte MAC.</summary>
    public const int TrailerLength = 35 + 64;

    private byte[]? _buffer;
    private int _payloadLength;

    internal Packet(byte[] buffer, int payloadLength)
    {
        _buffer = buffer;
        _payloadLength = payloadLength;
    }

    /// <summary>Rents a packet whose payload area holds at least <paramref name="payloadCapacity"/> bytes; payload length starts at 0.</summary>
    public static Packet Rent(int payloadCapacity)
        => new(ArrayPool<byte>.Shared.Rent(HeaderLength + payloadCapacity + TrailerLength), 0);

    /// <summary>Creates a packet holding a copy of <paramref name="payload"/>.</summary>
    public static Packet Copy(ReadOnlySpan<byte> payload)
    {
        Packet p = Rent(payload.Length);
        payload.CopyTo(p._buffer.AsSpan(HeaderLength));
        p._payloadLength = payload.Length;
        return p;
    }

    /// <summary>True when this packet holds no buffer (default or disposed).</summary>
    public readonly bool IsEmpty => _buffer is null;

    /// <summary>The payload bytes (message number first).</summary>
    public readonly Span<byte> Payload => _buffer is null ? Span<byte>.Empty : _buffer.AsSpan(HeaderLength, _payloadLength);

    /// <summary>The payload as memory (valid until disposed).</summary>
    public readonly Memory<byte> PayloadMemory => _buffer is null ? Memory<byte>.Empty : _buffer.AsMemory(HeaderLength, _payloadLength);

    /// <summary>Payload length in bytes.</summary>
    public readonly int PayloadLength => _payloadLength;

    /// <summary>The message number (first payload byte), or 0 for an empty payload.</summary>
    public readonly MessageNumber MessageNumber => _payloadLength == 0 ? 0 : (MessageNumber)_buffer![HeaderLength];

    /// <summary>The whole rented array (header, payload, trailer), for the transport's in-place framing.</summary>
    internal readonly byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(Packet));

    /// <summary>Sets the payload length after the transport wrote a payload directly into <see cref="Buffer"/>.</summary>
    internal void SetPayloadLength(int length)
    {
        if ((uint)length > (uint)(Buffer.Length - HeaderLength - TrailerLength)) throw new ArgumentOutOfRangeException(nameof(length));
        _payloadLength = length;
    }

    /// <summary>Replaces the buffer (used when a payload grows); the old buffer is returned to the pool.</summary>
    internal void ReplaceBuffer(byte[] buffer, int payloadLength)
    {
        byte[]? old = _buffer;
        _buffer = buffer;
        _payloadLength = payloadLength;
        if (old is not null) ArrayPool<byte>.Shared.Return(old);
    }

    /// <summary>Gives the buffer away: this instance becomes empty, the returned packet owns the buffer.</summary>
    public Packet Move()
    {
        Packet moved = this;
        _buffer = null;
        _payloadLength = 0;
        return moved;
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        byte[]? buffer = _buffer;
        _buffer = null;
        _payloadLength = 0;
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }
}
