namespace SshTunnel.Wire.Messages.Connection;

// OpenSSH PROTOCOL §2.4, channel type "forwarded-streamlocal@openssh.com":
//   string    socket path
//   string    reserved for future use

/// <summary>Type-specific data of a "forwarded-streamlocal@openssh.com" channel open (OpenSSH PROTOCOL §2.4).</summary>
internal readonly struct ForwardedStreamLocalOpenData
{
    /// <summary>The listening socket path that took the connection.</summary>
    public string SocketPath { get; init; }

    /// <summary>Reserved string (empty).</summary>
    public string Reserved { get; init; }

    /// <summary>Reads the fields; trailing bytes are a protocol error.</summary>
    public static ForwardedStreamLocalOpenData Read(ref SshReader reader)
    {
        var data = new ForwardedStreamLocalOpenData
        {
            SocketPath = reader.ReadUtf8String(),
            Reserved = reader.ReadUtf8String(),
        };
        reader.ReadEnd();
        return data;
    }

    /// <summary>Writes the fields.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteString(SocketPath);
        writer.WriteString(Reserved ?? "");
    }
}
