using SshTunnel.Errors;

namespace SshTunnel.Wire.Messages.Transport;

// RFC 4253 §11.1
//   byte      SSH_MSG_DISCONNECT
//   uint32    reason code
//   string    description in ISO-10646 UTF-8 encoding
//   string    language tag

/// <summary>SSH_MSG_DISCONNECT (RFC 4253 §11.1).</summary>
internal readonly record struct DisconnectMessage(DisconnectReason ReasonCode, string Description)
{
    /// <summary>Parses the payload (message number included). Tolerates a missing language tag.</summary>
    public static DisconnectMessage Read(ReadOnlySpan<byte> payload)
    {
        var reader = new SshReader(payload);
        reader.ReadMessageNumber();
        var reason = (DisconnectReason)reader.ReadUInt32();
        string description = reader.ReadUtf8String();
        return new DisconnectMessage(reason, description);
    }

    /// <summary>Writes the message with an empty language tag.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.Disconnect);
        writer.WriteUInt32((uint)ReasonCode);
        writer.WriteString(Description);
        writer.WriteString("");
    }
}
