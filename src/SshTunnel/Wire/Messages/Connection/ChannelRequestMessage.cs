namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §5.4:
//   byte      SSH_MSG_CHANNEL_REQUEST
//   uint32    recipient channel
//   string    request type in US-ASCII characters only
//   boolean   want reply
//   ....      type-specific data follows

/// <summary>SSH_MSG_CHANNEL_REQUEST (RFC 4254 §5.4). <see cref="RequestSpecificData"/> is a view into the packet.</summary>
internal readonly ref struct ChannelRequestMessage
{
    /// <summary>The receiver's channel number.</summary>
    public uint RecipientChannel { get; init; }

    /// <summary>The request type (a <c>ChannelRequestNames</c> constant).</summary>
    public string RequestType { get; init; }

    /// <summary>True when the sender wants SSH_MSG_CHANNEL_SUCCESS/FAILURE.</summary>
    public bool WantReply { get; init; }

    /// <summary>Type-specific data, unparsed.</summary>
    public ReadOnlySpan<byte> RequestSpecificData { get; init; }

    /// <summary>Reads the message, message number included.</summary>
    public static ChannelRequestMessage Read(ref SshReader reader)
    {
        MessageHeader.Expect(ref reader, MessageNumber.ChannelRequest);
        return new ChannelRequestMessage
        {
            RecipientChannel = reader.ReadUInt32(),
            RequestType = reader.ReadAsciiString(),
            WantReply = reader.ReadBoolean(),
            RequestSpecificData = reader.ReadBytes(reader.Remaining),
        };
    }

    /// <summary>Writes the message, message number included.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.ChannelRequest);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteString(RequestType);
        writer.WriteBoolean(WantReply);
        writer.WriteBytes(RequestSpecificData);
    }
}
