namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §7.2, channel type "direct-tcpip", after the SSH_MSG_CHANNEL_OPEN common fields:
//   string    host to connect
//   uint32    port to connect
//   string    originator IP address
//   uint32    originator port

/// <summary>Type-specific data of a "direct-tcpip" channel open (RFC 4254 §7.2).</summary>
internal readonly struct DirectTcpipOpenData
{
    /// <summary>Host name or address the server should connect to.</summary>
    public string HostToConnect { get; init; }

    /// <summary>Port the server should connect to.</summary>
    public uint PortToConnect { get; init; }

    /// <summary>Address the forwarded connection came from.</summary>
    public string OriginatorAddress { get; init; }

    /// <summary>Port the forwarded connection came from.</summary>
    public uint OriginatorPort { get; init; }

    /// <summary>Reads the fields; trailing bytes are a protocol error.</summary>
    public static DirectTcpipOpenData Read(ref SshReader reader)
    {
        var data = new DirectTcpipOpenData
        {
            HostToConnect = reader.ReadUtf8String(),
            PortToConnect = reader.ReadUInt32(),
            OriginatorAddress = reader.ReadUtf8String(),
            OriginatorPort = reader.ReadUInt32(),
        };
        reader.ReadEnd();
        return data;
    }

    /// <summary>Parses <paramref name="typeSpecificData"/>.</summary>
    public static DirectTcpipOpenData Parse(ReadOnlySpan<byte> typeSpecificData)
    {
        var reader = new SshReader(typeSpecificData);
        return Read(ref reader);
    }

    /// <summary>Writes the fields.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteString(HostToConnect);
        writer.WriteUInt32(PortToConnect);
        writer.WriteString(OriginatorAddress);
        writer.WriteUInt32(OriginatorPort);
    }

    /// <summary>Encodes the fields into a new array.</summary>
    public byte[] ToArray()
    {
        var writer = new SshWriter(64 + HostToConnect.Length + OriginatorAddress.Length);
        Write(ref writer);
        return writer.ToArray();
    }
}
