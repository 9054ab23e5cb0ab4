namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §5.2:
//   byte      SSH_MSG_CHANNEL_WINDOW_ADJUST
//   uint32    recipient channel
//   uint32    bytes to add

/// <summary>SSH_MSG_CHANNEL_WINDOW_ADJUST (RFC 4254 §5.2).</summary>
internal readonly struct ChannelWindowAdjustMessage
{
    /// <summary>Encoded length in bytes.</summary>
    public const int Length = 9;

    /// <summary>The receiver's channel number.</summary>
    public uint RecipientChannel { get; init; }

    /// <summary>Bytes added to the receiver's send window.</summary>
    public uint BytesToAdd { get; init; }

    /// <summary>Reads the message, message number included; trailing bytes are a protocol error.</summary>
    public static ChannelWindowAdjustMessage Read(ref SshReader reader)
    {
        MessageHeader.Expect(ref reader, MessageNumber.ChannelWindowAdjust);
        var message = new ChannelWindowAdjustMessage { RecipientChannel = reader.ReadUInt32(), BytesToAdd = reader.ReadUInt32() };
        reader.ReadEnd();
        return message;
    }

    /// <summary>Writes the message, message number included.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.ChannelWindowAdjust);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32(BytesToAdd);
    }
}
