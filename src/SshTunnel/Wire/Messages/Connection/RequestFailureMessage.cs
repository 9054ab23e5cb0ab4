namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §4:
//   byte      SSH_MSG_REQUEST_FAILURE

/// <summary>SSH_MSG_REQUEST_FAILURE (RFC 4254 §4): no fields.</summary>
internal readonly struct RequestFailureMessage
{
    /// <summary>Reads the message, message number included; trailing bytes are a protocol error.</summary>
    public static RequestFailureMessage Read(ref SshReader reader)
    {
        MessageHeader.Expect(ref reader, MessageNumber.RequestFailure);
        reader.ReadEnd();
        return default;
    }

    /// <summary>Writes the message.</summary>
    public void Write(ref SshWriter writer) => writer.WriteMessageNumber(MessageNumber.RequestFailure);
}
