using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using SshTunnel.Errors;

namespace SshTunnel.Wire;

/// <summary>
/// Reads SSH data types (RFC 4251 §5) from a span. Every read checks bounds and throws
/// <see cref="SshProtocolException"/> on truncated or malformed input, never IndexOutOfRangeException.
/// </summary>
internal ref struct SshReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Reads from <paramref name="data"/>, starting at its first byte.</summary>
    public SshReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Bytes not yet read.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>Offset of the next byte to read.</summary>
    public readonly int Position => _position;

    /// <summary>The unread bytes.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan => _data[_position..];

    /// <summary>Reads one byte.</summary>
    public byte ReadByte()
    {
        if (_position >= _data.Length) ThrowTruncated("byte");
        return _data[_position++];
    }

    /// <summary>Reads the message number byte.</summary>
    public MessageNumber ReadMessageNumber() => (MessageNumber)ReadByte();

    /// <summary>Reads an RFC 4251 boolean (any non-zero is true).</summary>
    public bool ReadBoolean() => ReadByte() != 0;

    /// <summary>Reads a big-endian uint32.</summary>
    public uint ReadUInt32()
    {
        if (Remaining < 4) ThrowTruncated("uint32");
        uint value = BinaryPrimitives.ReadUInt32BigEndian(_data.Slice(_position, 4));
        _position += 4;
        return value;
    }

    /// <summary>Reads a big-endian uint64.</summary>
    public ulong ReadUInt64()
    {
        if (Remaining < 8) ThrowTruncated("uint64");
        ulong value = BinaryPrimitives.ReadUInt64BigEndian(_data.Slice(_position, 8));
        _position += 8;
        return value;
    }

    /// <summary>Reads <paramref name="count"/> raw bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || Remaining < count) ThrowTruncated("bytes");
        ReadOnlySpan<byte> value = _data.Slice(_position, count);
        _position += count;
        return value;
    }

    /// <summary>Reads an SSH string and returns its bytes (a view into the input).</summary>
    public ReadOnlySpan<byte> ReadStringBytes()
    {
        uint length = ReadUInt32();
        if (length > (uint)Remaining) ThrowTruncated("string");
        ReadOnlySpan<byte> value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    /// <summary>Reads an SSH string as UTF-8 text; invalid UTF-8 is a protocol error.</summary>
    public string ReadUtf8String()
    {
        ReadOnlySpan<byte> bytes = ReadStringBytes();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SshProtocolException("invalid UTF-8 in string field");
        }
    }

    /// <summary>Reads an SSH string that must be US-ASCII (algorithm, channel type and request names).</summary>
    public string ReadAsciiString()
    {
        ReadOnlySpan<byte> bytes = ReadStringBytes();
        foreach (byte b in bytes)
        {
            if (b is < 0x20 or > 0x7e) throw new SshProtocolException("non-ASCII byte in name field");
        }
        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>Reads a name-list (RFC 4251 §5): comma-separated ASCII names, no empty names.</summary>
    public string[] ReadNameList()
    {
        ReadOnlySpan<byte> bytes = ReadStringBytes();
        if (bytes.Length > SshProtocolLimits.MaxNameListLength) throw new SshProtocolException("name-list too long");
        if (bytes.Length == 0) return [];
        foreach (byte b in bytes)
        {
            if (b is <= 0x20 or > 0x7e) throw new SshProtocolException("invalid byte in name-list");
        }
        string[] names = Encoding.ASCII.GetString(bytes).Split(',');
        foreach (string name in names)
        {
            if (name.Length == 0) throw new SshProtocolException("empty name in name-list");
        }
        return names;
    }

    /// <summary>Reads an mpint (RFC 4251 §5) and returns its two's-complement big-endian bytes (a view).</summary>
    public ReadOnlySpan<byte> ReadMPIntBytes() => ReadStringBytes();

    /// <summary>Reads a non-negative mpint as unsigned big-endian bytes without leading zeros (a view).</summary>
    public ReadOnlySpan<byte> ReadUnsignedMPIntBytes()
    {
        ReadOnlySpan<byte> bytes = ReadStringBytes();
        if (bytes.Length > 0 && (bytes[0] & 0x80) != 0) throw new SshProtocolException("negative mpint where a positive one was expected");
        while (bytes.Length > 0 && bytes[0] == 0) bytes = bytes[1..];
        return bytes;
    }

    /// <summary>Reads an mpint as a <see cref="BigInteger"/>.</summary>
    public BigInteger ReadMPInt()
    {
        ReadOnlySpan<byte> bytes = ReadStringBytes();
        return bytes.Length == 0 ? BigInteger.Zero : new BigInteger(bytes, isUnsigned: false, isBigEndian: true);
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(int count) => ReadBytes(count);

    /// <summary>Throws if any byte is left (trailing data on a known message is a protocol error).</summary>
    public readonly void ReadEnd()
    {
        if (_position != _data.Length)
        {
            throw new SshProtocolException($"{_data.Length - _position} unexpected trailing bytes in message");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static void ThrowTruncated(string what) => throw new SshProtocolException($"truncated message: {what} expected");
}
