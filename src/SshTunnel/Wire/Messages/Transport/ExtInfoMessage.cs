using SshTunnel.Errors;

namespace SshTunnel.Wire.Messages.Transport;

// RFC 8308 §2.3
//   byte       SSH_MSG_EXT_INFO (value 7)
//   uint32     nr-extensions
//   repeat the following 2 fields "nr-extensions" times:
//     string   extension-name
//     string   extension-value (binary)

/// <summary>SSH_MSG_EXT_INFO (RFC 8308 §2.3).</summary>
internal sealed class ExtInfoMessage
{
    /// <summary>Most extensions we keep from one message (a peer-controlled count).</summary>
    public const int MaxExtensions = 64;

    /// <summary>Extension name/value pairs, in order.</summary>
    public required IReadOnlyList<KeyValuePair<string, byte[]>> Extensions { get; init; }

    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="SshProtocolException">Malformed message or too many extensions.</exception>
    public static ExtInfoMessage Read(ReadOnlySpan<byte> payload)
    {
        var reader = new SshReader(payload);
        reader.ReadMessageNumber();
        uint count = reader.ReadUInt32();
        if (count > MaxExtensions) throw new SshProtocolException($"EXT_INFO with {count} extensions");
        var list = new List<KeyValuePair<string, byte[]>>((int)count);
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadAsciiString();
            byte[] value = reader.ReadStringBytes().ToArray();
            list.Add(new(name, value));
        }
        return new ExtInfoMessage { Extensions = list };
    }

    /// <summary>Writes the message.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.ExtInfo);
        writer.WriteUInt32((uint)Extensions.Count);
        foreach (var (name, value) in Extensions)
        {
            writer.WriteString(name);
            writer.WriteString(value);
        }
    }
}
