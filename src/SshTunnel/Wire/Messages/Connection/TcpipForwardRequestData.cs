namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §7.1, global requests "tcpip-forward" and "cancel-tcpip-forward" (same layout):
//   string    address to bind (e.g., "0.0.0.0")
//   uint32    port number to bind

/// <summary>Request-specific data of the "tcpip-forward" and "cancel-tcpip-forward" global requests (RFC 4254 §7.1).</summary>
internal readonly struct TcpipForwardRequestData
{
    /// <summary>Address to listen on ("" = all, "localhost" = loopback, or a literal).</summary>
    public string AddressToBind { get; init; }

    /// <summary>Port to listen on; 0 lets the server choose (tcpip-forward only).</summary>
    public uint PortToBind { get; init; }

    /// <summary>Parses the data; trailing bytes are a protocol error.</summary>
    public static TcpipForwardRequestData Parse(ReadOnlySpan<byte> requestSpecificData)
    {
        var reader = new SshReader(requestSpecificData);
        var data = new TcpipForwardRequestData { AddressToBind = reader.ReadUtf8String(), PortToBind = reader.ReadUInt32() };
        reader.ReadEnd();
        return data;
    }

    /// <summary>Writes the data.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteString(AddressToBind);
        writer.WriteUInt32(PortToBind);
    }

    /// <summary>Encodes the data into a new array.</summary>
    public byte[] ToArray()
    {
        var writer = new SshWriter(16 + AddressToBind.Length * 3);
        Write(ref writer);
        return writer.ToArray();
    }
}

/// <summary>The response data of a successful "tcpip-forward" request with port 0 (RFC 4254 §7.1).</summary>
internal readonly struct TcpipForwardResponseData
{
    // RFC 4254 §7.1:
    //   byte      SSH_MSG_REQUEST_SUCCESS
    //   uint32    port that was bound on the server

    /// <summary>The port the server bound.</summary>
    public uint PortBound { get; init; }

    /// <summary>Parses the response-specific data; trailing bytes are a protocol error.</summary>
    public static TcpipForwardResponseData Parse(ReadOnlySpan<byte> responseSpecificData)
    {
        var reader = new SshReader(responseSpecificData);
        var data = new TcpipForwardResponseData { PortBound = reader.ReadUInt32() };
        reader.ReadEnd();
        return data;
    }

    /// <summary>Writes the data.</summary>
    public void Write(ref SshWriter writer) => writer.WriteUInt32(PortBound);
}
