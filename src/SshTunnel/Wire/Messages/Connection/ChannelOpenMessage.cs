namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §5.1:
//   byte      SSH_MSG_CHANNEL_OPEN
//   string    channel type in US-ASCII only
//   uint32    sender channel
//   uint32    initial window size
//   uint32    maximum packet size
//   ....      channel type specific data follows

/// <summary>SSH_MSG_CHANNEL_OPEN (RFC 4254 §5.1). <see cref="TypeSpecificData"/> is a view into the packet, left opaque.</summary>
internal readonly ref struct ChannelOpenMessage
{
    /// <summary>The channel type (a <c>ChannelTypes</c> constant).</summary>
    public string ChannelType { get; init; }

    /// <summary>The opener's channel number.</summary>
    public uint SenderChannel { get; init; }

    /// <summary>How many bytes the opener may receive before a window adjust.</summary>
    public uint InitialWindowSize { get; init; }

    /// <summary>Largest data payload the opener takes in one message, in bytes.</summary>
    public uint MaximumPacketSize { get; init; }

    /// <summary>Channel-type-specific data (e.g. <see cref="DirectTcpipOpenData"/>).</summary>
    public ReadOnlySpan<byte> TypeSpecificData { get; init; }

    /// <summary>Reads the message, message number included.</summary>
    public static ChannelOpenMessage Read(ref SshReader reader)
    {
        MessageHeader.Expect(ref reader, MessageNumber.ChannelOpen);
        return new ChannelOpenMessage
        {
            ChannelType = reader.ReadAsciiString(),
            SenderChannel = reader.ReadUInt32(),
            InitialWindowSize = reader.ReadUInt32(),
            MaximumPacketSize = reader.ReadUInt32(),
            TypeSpecificData = reader.ReadBytes(reader.Remaining),
        };
    }

    /// <summary>Writes the message, message number included.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.ChannelOpen);
        writer.WriteString(ChannelType);
        writer.WriteUInt32(SenderChannel);
        writer.WriteUInt32(InitialWindowSize);
        writer.WriteUInt32(MaximumPacketSize);
        writer.WriteBytes(TypeSpecificData);
    }
}
