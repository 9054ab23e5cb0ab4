namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>
/// SSH_MSG_SERVICE_REQUEST (RFC 4253 §10).
/// <code>
/// byte      SSH_MSG_SERVICE_REQUEST (5)
/// string    service name
/// </code>
/// </summary>
internal readonly struct ServiceRequestMessage
{
    /// <summary>Creates the message.</summary>
    public ServiceRequestMessage(string serviceName) => ServiceName = serviceName;

    /// <summary>The requested service, e.g. "ssh-userauth".</summary>
    public string ServiceName { get; }

    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="Errors.SshProtocolException">Wrong message number, truncated or trailing data.</exception>
    public static ServiceRequestMessage Read(ref SshReader reader)
    {
        MessageReading.ExpectMessageNumber(ref reader, MessageNumber.ServiceRequest);
        string name = reader.ReadAsciiString();
        reader.ReadEnd();
        return new ServiceRequestMessage(name);
    }

    /// <summary>Writes the payload (message number included).</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.ServiceRequest);
        writer.WriteString(ServiceName);
    }
}
