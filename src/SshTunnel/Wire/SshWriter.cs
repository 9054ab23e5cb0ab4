using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace SshTunnel.Wire;

/// <summary>
/// Writes SSH data types (RFC 4251 §5) into a growable buffer rented from <see cref="ArrayPool{T}.Shared"/>,
/// laid out as a <see cref="Packet"/> (header space reserved in front), so a finished message becomes a packet
/// without a copy (<see cref="ToPacket"/>). Also used for blobs and hash inputs (<see cref="ToArray"/>, <see cref="WrittenSpan"/>).
/// Always call <see cref="Dispose"/> (or <see cref="ToPacket"/>) to return the buffer.
/// </summary>
internal ref struct SshWriter
{
    private byte[] _buffer;
    private int _position; // absolute offset in _buffer

    /// <summary>Starts a writer with room for 256 bytes of content (it grows as needed).</summary>
    public SshWriter() : this(256)
    {
    }

    /// <summary>Starts a writer with room for <paramref name="initialCapacity"/> bytes of content (it grows as needed).</summary>
    public SshWriter(int initialCapacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Packet.HeaderLength + Math.Max(initialCapacity, 16) + Packet.TrailerLength);
        _position = Packet.HeaderLength;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _position - Packet.HeaderLength;

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(Packet.HeaderLength, _position - Packet.HeaderLength);

    /// <summary>Returns a writable span of at least <paramref name="sizeHint"/> bytes; call <see cref="Advance"/> after.</summary>
    public Span<byte> GetSpan(int sizeHint)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsSpan(_position, sizeHint);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the span from <see cref="GetSpan"/>.</summary>
    public void Advance(int count) => _position += count;

    /// <summary>Writes one byte.</summary>
    public void WriteByte(byte value)
    {
        EnsureCapacity(1);
        _buffer[_position++] = value;
    }

    /// <summary>Writes the message number byte.</summary>
    public void WriteMessageNumber(MessageNumber number) => WriteByte((byte)number);

    /// <summary>Writes a boolean as 0 or 1.</summary>
    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    /// <summary>Writes a big-endian uint32.</summary>
    public void WriteUInt32(uint value)
    {
        EnsureCapacity(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_position), value);
        _position += 4;
    }

    /// <summary>Writes a big-endian uint64.</summary>
    public void WriteUInt64(ulong value)
    {
        EnsureCapacity(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_position), value);
        _position += 8;
    }

    /// <summary>Writes raw bytes with no length prefix.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        EnsureCapacity(value.Length);
        value.CopyTo(_buffer.AsSpan(_position));
        _position += value.Length;
    }

    /// <summary>Writes an SSH string: uint32 length + bytes.</summary>
    public void WriteString(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        WriteBytes(value);
    }

    /// <summary>Writes an SSH string holding the UTF-8 encoding of <paramref name="value"/>.</summary>
    public void WriteString(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        EnsureCapacity(4 + max);
        int written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position + 4));
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_position), (uint)written);
        _position += 4 + written;
    }

    /// <summary>Writes a name-list: the names joined by commas, as one string.</summary>
    public void WriteNameList(IReadOnlyList<string> names) => WriteString(string.Join(',', names));

    /// <summary>Writes a non-negative integer given as unsigned big-endian bytes as an mpint (leading zeros stripped, 0x00 added when the top bit is set).</summary>
    public void WriteMPInt(ReadOnlySpan<byte> unsignedBigEndian)
    {
        while (unsignedBigEndian.Length > 0 && unsignedBigEndian[0] == 0) unsignedBigEndian = unsignedBigEndian[1..];
        bool pad = unsignedBigEndian.Length > 0 && (unsignedBigEndian[0] & 0x80) != 0;
        WriteUInt32((uint)(unsignedBigEndian.Length + (pad ? 1 : 0)));
        if (pad) WriteByte(0);
        WriteBytes(unsignedBigEndian);
    }

    /// <summary>Writes a <see cref="BigInteger"/> as an mpint (two's complement, minimal length).</summary>
    public void WriteMPInt(BigInteger value)
    {
        if (value.IsZero)
        {
            WriteUInt32(0);
            return;
        }
        int count = value.GetByteCount(isUnsigned: false);
        WriteUInt32((uint)count);
        EnsureCapacity(count);
        value.TryWriteBytes(_buffer.AsSpan(_position, count), out int written, isUnsigned: false, isBigEndian: true);
        _position += written;
    }

    /// <summary>Copies what was written into a new array and returns the buffer to the pool.</summary>
    public byte[] ToArray()
    {
        byte[] result = WrittenSpan.ToArray();
        Dispose();
        return result;
    }

    /// <summary>Turns what was written into a <see cref="Packet"/> (no copy); the writer is empty afterwards.</summary>
    public Packet ToPacket()
    {
        var packet = new Packet(_buffer, _position - Packet.HeaderLength);
        _buffer = [];
        _position = 0;
        return packet;
    }

    /// <summary>Zeroes what was written (key material, shared secrets) and returns the buffer to the pool.</summary>
    public void DisposeSensitive()
    {
        if (_buffer.Length > 0) System.Security.Cryptography.CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _position));
        Dispose();
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _position = 0;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    private void EnsureCapacity(int count)
    {
        if (_buffer.Length - _position - Packet.TrailerLength >= count) return;
        if (_buffer.Length == 0) throw new ObjectDisposedException(nameof(SshWriter));
        int needed = _position + count + Packet.TrailerLength;
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _position).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
