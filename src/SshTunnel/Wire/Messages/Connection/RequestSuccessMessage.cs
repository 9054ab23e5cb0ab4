namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §4:
//   byte      SSH_MSG_REQUEST_SUCCESS
//   ....      response specific data
// (for "tcpip-forward" with port 0, RFC 4254 §7.1: uint32 port that was bound on the server)

/// <summary>SSH_MSG_REQUEST_SUCCESS (RFC 4254 §4). <see cref="ResponseSpecificData"/> is a view into the packet.</summary>
internal readonly ref struct RequestSuccessMessage
{
    /// <summary>Response-specific data, unparsed (often empty).</summary>
    public ReadOnlySpan<byte> ResponseSpecificData { get; init; }

    /// <summary>Reads the message, message number included.</summary>
    public static RequestSuccessMessage Read(ref SshReader reader)
    {
        MessageHeader.Expect(ref reader, MessageNumber.RequestSuccess);
        return new RequestSuccessMessage { ResponseSpecificData = reader.ReadBytes(reader.Remaining) };
    }

    /// <summary>Writes the message, message number included.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.RequestSuccess);
        writer.WriteBytes(ResponseSpecificData);
    }
}
