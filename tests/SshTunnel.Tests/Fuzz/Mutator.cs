using System.Buffers.Binary;

namespace SshTunnel.Tests.Fuzz;

/// <summary>
/// Deterministic mutations of a valid input (fixed seed): bit flips, byte overwrites with boundary values, truncation,
/// insertion, deletion, duplication of a slice, and uint32 length fields forced to 0, 1, a value just past the data,
/// 0x7FFFFFFF, 0x80000000 and 0xFFFFFFFF (the values that break signed casts and additions). One to four mutations per call.
/// </summary>
internal sealed class Mutator(int seed)
{
    private static readonly uint[] LengthValues = [0, 1, 2, 3, 4, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x3FFFFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF];
    private static readonly byte[] ByteValues = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)',', (byte)'"', (byte)'\\', (byte)'\n', (byte)'\r', (byte)' ', (byte)'=', (byte)'*', (byte)':', (byte)'[', (byte)']', (byte)'%', (byte)'#'];

    private readonly Random _random = new(seed);

    /// <summary>The random source (for callers that choose their own mutations).</summary>
    public Random Random => _random;

    /// <summary>A mutated copy of <paramref name="input"/>.</summary>
    public byte[] Mutate(ReadOnlySpan<byte> input)
    {
        var data = new List<byte>(input.ToArray());
        int count = 1 + _random.Next(4);
        for (int i = 0; i < count; i++) MutateOnce(data);
        return [.. data];
    }

    /// <summary>A mutated copy of <paramref name="input"/> where only bytes in [<paramref name="start"/>, <paramref name="end"/>) change (same length).</summary>
    public byte[] MutateRegion(ReadOnlySpan<byte> input, int start, int end)
    {
        byte[] data = input.ToArray();
        int count = 1 + _random.Next(3);
        for (int i = 0; i < count; i++)
        {
            int at = start + _random.Next(end - start);
            if (_random.Next(2) == 0) data[at] ^= (byte)(1 << _random.Next(8));
            else data[at] = (byte)_random.Next(256);
        }
        return data;
    }

    /// <summary>A mutated copy of a text input (mutations on its UTF-8 bytes, plus line-level edits).</summary>
    public string MutateText(string text)
    {
        if (_random.Next(4) == 0)
        {
            // Line-level: duplicate, drop or swap lines.
            var lines = new List<string>(text.Split('\n'));
            int which = _random.Next(lines.Count);
            switch (_random.Next(3))
            {
                case 0: lines.Insert(which, lines[_random.Next(lines.Count)]); break;
                case 1: if (lines.Count > 1) lines.RemoveAt(which); break;
                default: (lines[which], lines[^1]) = (lines[^1], lines[which]); break;
            }
            text = string.Join('\n', lines);
        }
        return System.Text.Encoding.UTF8.GetString(Mutate(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    private void MutateOnce(List<byte> data)
    {
        switch (_random.Next(9))
        {
            case 0 when data.Count > 0: // bit flip
            {
                int at = _random.Next(data.Count);
                data[at] ^= (byte)(1 << _random.Next(8));
                break;
            }
            case 1 when data.Count > 0: // interesting byte
            {
                data[_random.Next(data.Count)] = ByteValues[_random.Next(ByteValues.Length)];
                break;
            }
            case 2 when data.Count > 0: // random byte
            {
                data[_random.Next(data.Count)] = (byte)_random.Next(256);
                break;
            }
            case 3 when data.Count > 0: // truncate
            {
                int newLength = _random.Next(data.Count);
                data.RemoveRange(newLength, data.Count - newLength);
                break;
            }
            case 4: // insert random bytes
            {
                int at = _random.Next(data.Count + 1);
                int n = 1 + _random.Next(_random.Next(2) == 0 ? 4 : 64);
                var bytes = new byte[n];
                _random.NextBytes(bytes);
                data.InsertRange(at, bytes);
                break;
            }
            case 5 when data.Count > 0: // delete a slice
            {
                int at = _random.Next(data.Count);
                int n = 1 + _random.Next(Math.Min(16, data.Count - at));
                data.RemoveRange(at, n);
                break;
            }
            case 6 when data.Count > 0: // duplicate a slice
            {
                int at = _random.Next(data.Count);
                int n = 1 + _random.Next(Math.Min(32, data.Count - at));
                data.InsertRange(_random.Next(data.Count + 1), data.GetRange(at, n));
                break;
            }
            default: // uint32 length field (at any offset: fields are not always 4-aligned)
            {
                if (data.Count < 4) goto case 4;
                int at = _random.Next(data.Count - 3);
                uint value = _random.Next(3) == 0 ? (uint)(data.Count - at - 4 + _random.Next(-2, 3)) : LengthValues[_random.Next(LengthValues.Length)];
                Span<byte> field = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(field, value);
                for (int i = 0; i < 4; i++) data[at + i] = field[i];
                break;
            }
        }
    }
}
