namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>
/// SSH_MSG_SERVICE_ACCEPT (RFC 4253 §10).
/// <code>
/// byte      SSH_MSG_SERVICE_ACCEPT (6)
/// string    service name
/// </code>
/// </summary>
internal readonly struct ServiceAcceptMessage
{
    /// <summary>Creates the message.</summary>
    public ServiceAcceptMessage(string serviceName) => ServiceName = serviceName;

    /// <summary>The accepted service, e.g. "ssh-userauth".</summary>
    public string ServiceName { get; }

    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="Errors.SshProtocolException">Wrong message number, truncated or trailing data.</exception>
    public static ServiceAcceptMessage Read(ref SshReader reader)
    {
        MessageReading.ExpectMessageNumber(ref reader, MessageNumber.ServiceAccept);
        string name = reader.ReadAsciiString();
        reader.ReadEnd();
        return new ServiceAcceptMessage(name);
    }

    /// <summary>Writes the payload (message number included).</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.ServiceAccept);
        writer.WriteString(ServiceName);
    }
}
