namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>
/// SSH_MSG_USERAUTH_SUCCESS (RFC 4252 §5.1).
/// <code>
/// byte      SSH_MSG_USERAUTH_SUCCESS (52)
/// </code>
/// </summary>
internal readonly struct UserAuthSuccessMessage
{
    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="Errors.SshProtocolException">Wrong message number or trailing data.</exception>
    public static UserAuthSuccessMessage Read(ref SshReader reader)
    {
        MessageReading.ExpectMessageNumber(ref reader, MessageNumber.UserAuthSuccess);
        reader.ReadEnd();
        return default;
    }

    /// <summary>Writes the payload (message number included).</summary>
    public void Write(ref SshWriter writer) => writer.WriteMessageNumber(MessageNumber.UserAuthSuccess);
}
