namespace SshTunnel.Wire.Messages.Connection;

// OpenSSH PROTOCOL §2.4, channel type "direct-streamlocal@openssh.com":
//   string    socket path
//   string    reserved
//   uint32    reserved

/// <summary>Type-specific data of a "direct-streamlocal@openssh.com" channel open (OpenSSH PROTOCOL §2.4).</summary>
internal readonly struct DirectStreamLocalOpenData
{
    /// <summary>Unix-domain socket path the server should connect to.</summary>
    public string SocketPath { get; init; }

    /// <summary>Reserved string (OpenSSH sends an empty string).</summary>
    public string Reserved { get; init; }

    /// <summary>Reserved uint32 (OpenSSH sends 0).</summary>
    public uint ReservedNumber { get; init; }

    /// <summary>Reads the fields; trailing bytes are a protocol error.</summary>
    public static DirectStreamLocalOpenData Read(ref SshReader reader)
    {
        var data = new DirectStreamLocalOpenData
        {
            SocketPath = reader.ReadUtf8String(),
            Reserved = reader.ReadUtf8String(),
            ReservedNumber = reader.ReadUInt32(),
        };
        reader.ReadEnd();
        return data;
    }

    /// <summary>Writes the fields.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteString(SocketPath);
        writer.WriteString(Reserved ?? "");
        writer.WriteUInt32(ReservedNumber);
    }
}
