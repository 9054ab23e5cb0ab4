namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §5.1:
//   byte      SSH_MSG_CHANNEL_OPEN_CONFIRMATION
//   uint32    recipient channel
//   uint32    sender channel
//   uint32    initial window size
//   uint32    maximum packet size
//   ....      channel type specific data follows

/// <summary>SSH_MSG_CHANNEL_OPEN_CONFIRMATION (RFC 4254 §5.1).</summary>
internal readonly ref struct ChannelOpenConfirmationMessage
{
    /// <summary>The opener's channel number (our id when we opened).</summary>
    public uint RecipientChannel { get; init; }

    /// <summary>The confirming side's channel number.</summary>
    public uint SenderChannel { get; init; }

    /// <summary>How many bytes the confirming side may receive before a window adjust.</summary>
    public uint InitialWindowSize { get; init; }

    /// <summary>Largest data payload the confirming side takes in one message, in bytes.</summary>
    public uint MaximumPacketSize { get; init; }

    /// <summary>Channel-type-specific data (empty for every type we use).</summary>
    public ReadOnlySpan<byte> TypeSpecificData { get; init; }

    /// <summary>Reads the message, message number included.</summary>
    public static ChannelOpenConfirmationMessage Read(ref SshReader reader)
    {
        MessageHeader.Expect(ref reader, MessageNumber.ChannelOpenConfirmation);
        return new ChannelOpenConfirmationMessage
        {
            RecipientChannel = reader.ReadUInt32(),
            SenderChannel = reader.ReadUInt32(),
            InitialWindowSize = reader.ReadUInt32(),
            MaximumPacketSize = reader.ReadUInt32(),
            TypeSpecificData = reader.ReadBytes(reader.Remaining),
        };
    }

    /// <summary>Writes the message, message number included.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.ChannelOpenConfirmation);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32(SenderChannel);
        writer.WriteUInt32(InitialWindowSize);
        writer.WriteUInt32(MaximumPacketSize);
        writer.WriteBytes(TypeSpecificData);
    }
}
