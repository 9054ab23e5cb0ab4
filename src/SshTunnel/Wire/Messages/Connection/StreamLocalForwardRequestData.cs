namespace SshTunnel.Wire.Messages.Connection;

// OpenSSH PROTOCOL §2.4, global requests "streamlocal-forward@openssh.com" and
// "cancel-streamlocal-forward@openssh.com":
//   string    socket path

/// <summary>Request-specific data of the streamlocal-forward@openssh.com global requests (OpenSSH PROTOCOL §2.4).</summary>
internal readonly struct StreamLocalForwardRequestData
{
    /// <summary>The Unix-domain socket path to listen on.</summary>
    public string SocketPath { get; init; }

    /// <summary>Parses the data; trailing bytes are a protocol error.</summary>
    public static StreamLocalForwardRequestData Parse(ReadOnlySpan<byte> requestSpecificData)
    {
        var reader = new SshReader(requestSpecificData);
        var data = new StreamLocalForwardRequestData { SocketPath = reader.ReadUtf8String() };
        reader.ReadEnd();
        return data;
    }

    /// <summary>Writes the data.</summary>
    public void Write(ref SshWriter writer) => writer.WriteString(SocketPath);
}
