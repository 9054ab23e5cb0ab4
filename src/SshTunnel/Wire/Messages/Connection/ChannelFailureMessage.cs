namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §5.4:
//   byte      SSH_MSG_CHANNEL_FAILURE
//   uint32    recipient channel

/// <summary>SSH_MSG_CHANNEL_FAILURE (RFC 4254 §5.4).</summary>
internal readonly struct ChannelFailureMessage
{
    /// <summary>The receiver's channel number.</summary>
    public uint RecipientChannel { get; init; }

    /// <summary>Reads the message, message number included; trailing bytes are a protocol error.</summary>
    public static ChannelFailureMessage Read(ref SshReader reader)
    {
        MessageHeader.Expect(ref reader, MessageNumber.ChannelFailure);
        var message = new ChannelFailureMessage { RecipientChannel = reader.ReadUInt32() };
        reader.ReadEnd();
        return message;
    }

    /// <summary>Writes the message, message number included.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.ChannelFailure);
        writer.WriteUInt32(RecipientChannel);
    }
}
