namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §4:
//   byte      SSH_MSG_GLOBAL_REQUEST
//   string    request name in US-ASCII only
//   boolean   want reply
//   ....      request-specific data follows

/// <summary>SSH_MSG_GLOBAL_REQUEST (RFC 4254 §4). <see cref="RequestSpecificData"/> is a view into the packet.</summary>
internal readonly ref struct GlobalRequestMessage
{
    /// <summary>The request name (a <c>GlobalRequestNames</c> constant).</summary>
    public string RequestName { get; init; }

    /// <summary>True when the sender wants SSH_MSG_REQUEST_SUCCESS/FAILURE.</summary>
    public bool WantReply { get; init; }

    /// <summary>The request-specific data, unparsed.</summary>
    public ReadOnlySpan<byte> RequestSpecificData { get; init; }

    /// <summary>Reads the message, message number included.</summary>
    public static GlobalRequestMessage Read(ref SshReader reader)
    {
        MessageHeader.Expect(ref reader, MessageNumber.GlobalRequest);
        return new GlobalRequestMessage
        {
            RequestName = reader.ReadAsciiString(),
            WantReply = reader.ReadBoolean(),
            RequestSpecificData = reader.ReadBytes(reader.Remaining),
        };
    }

    /// <summary>Writes the message, message number included.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.GlobalRequest);
        writer.WriteString(RequestName);
        writer.WriteBoolean(WantReply);
        writer.WriteBytes(RequestSpecificData);
    }
}
