using SshTunnel.Errors;

namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §5.1:
//   byte      SSH_MSG_CHANNEL_OPEN_FAILURE
//   uint32    recipient channel
//   uint32    reason code
//   string    description in ISO-10646 UTF-8 encoding [RFC3629]
//   string    language tag [RFC3066]

/// <summary>SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 §5.1).</summary>
internal readonly struct ChannelOpenFailureMessage
{
    /// <summary>The opener's channel number.</summary>
    public uint RecipientChannel { get; init; }

    /// <summary>The reason code (may be outside the enum's named values).</summary>
    public ChannelOpenFailureReason ReasonCode { get; init; }

    /// <summary>Human-readable description.</summary>
    public string Description { get; init; }

    /// <summary>RFC 3066 language tag (usually empty).</summary>
    public string LanguageTag { get; init; }

    /// <summary>Reads the message, message number included; trailing bytes are a protocol error.</summary>
    public static ChannelOpenFailureMessage Read(ref SshReader reader)
    {
        MessageHeader.Expect(ref reader, MessageNumber.ChannelOpenFailure);
        var message = new ChannelOpenFailureMessage
        {
            RecipientChannel = reader.ReadUInt32(),
            ReasonCode = (ChannelOpenFailureReason)reader.ReadUInt32(),
            Description = reader.ReadUtf8String(),
            LanguageTag = reader.ReadUtf8String(),
        };
        reader.ReadEnd();
        return message;
    }

    /// <summary>Writes the message, message number included.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.ChannelOpenFailure);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32((uint)ReasonCode);
        writer.WriteString(Description ?? "");
        writer.WriteString(LanguageTag ?? "");
    }
}
