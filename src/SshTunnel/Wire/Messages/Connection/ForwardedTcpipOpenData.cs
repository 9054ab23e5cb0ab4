namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §7.2, channel type "forwarded-tcpip", after the SSH_MSG_CHANNEL_OPEN common fields:
//   string    address that was connected
//   uint32    port that was connected
//   string    originator IP address
//   uint32    originator port

/// <summary>Type-specific data of a "forwarded-tcpip" channel open (RFC 4254 §7.2).</summary>
internal readonly struct ForwardedTcpipOpenData
{
    /// <summary>The listen address (as given in "tcpip-forward") that took the connection.</summary>
    public string ConnectedAddress { get; init; }

    /// <summary>The listen port that took the connection.</summary>
    public uint ConnectedPort { get; init; }

    /// <summary>Address the connection came from.</summary>
    public string OriginatorAddress { get; init; }

    /// <summary>Port the connection came from.</summary>
    public uint OriginatorPort { get; init; }

    /// <summary>Reads the fields; trailing bytes are a protocol error.</summary>
    public static ForwardedTcpipOpenData Read(ref SshReader reader)
    {
        var data = new ForwardedTcpipOpenData
        {
            ConnectedAddress = reader.ReadUtf8String(),
            ConnectedPort = reader.ReadUInt32(),
            OriginatorAddress = reader.ReadUtf8String(),
            OriginatorPort = reader.ReadUInt32(),
        };
        reader.ReadEnd();
        return data;
    }

    /// <summary>Parses <paramref name="typeSpecificData"/>.</summary>
    public static ForwardedTcpipOpenData Parse(ReadOnlySpan<byte> typeSpecificData)
    {
        var reader = new SshReader(typeSpecificData);
        return Read(ref reader);
    }

    /// <summary>Writes the fields.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteString(ConnectedAddress);
        writer.WriteUInt32(ConnectedPort);
        writer.WriteString(OriginatorAddress);
        writer.WriteUInt32(OriginatorPort);
    }

    /// <summary>Encodes the fields into a new array.</summary>
    public byte[] ToArray()
    {
        var writer = new SshWriter(64 + ConnectedAddress.Length + OriginatorAddress.Length);
        Write(ref writer);
        return writer.ToArray();
    }
}
