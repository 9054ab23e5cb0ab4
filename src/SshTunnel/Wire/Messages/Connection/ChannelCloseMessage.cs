namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §5.3:
//   byte      SSH_MSG_CHANNEL_CLOSE
//   uint32    recipient channel

/// <summary>SSH_MSG_CHANNEL_CLOSE (RFC 4254 §5.3).</summary>
internal readonly struct ChannelCloseMessage
{
    /// <summary>The receiver's channel number.</summary>
    public uint RecipientChannel { get; init; }

    /// <summary>Reads the message, message number included; trailing bytes are a protocol error.</summary>
    public static ChannelCloseMessage Read(ref SshReader reader)
    {
        MessageHeader.Expect(ref reader, MessageNumber.ChannelClose);
        var message = new ChannelCloseMessage { RecipientChannel = reader.ReadUInt32() };
        reader.ReadEnd();
        return message;
    }

    /// <summary>Writes the message, message number included.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.ChannelClose);
        writer.WriteUInt32(RecipientChannel);
    }
}
