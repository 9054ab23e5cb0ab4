namespace SshTunnel.Socks;

/// <summary>A parsed CONNECT request of a SOCKS4/4a/5 or HTTP CONNECT client.</summary>
internal sealed class SocksRequest
{
    /// <summary>Creates a request.</summary>
    public SocksRequest(SocksProtocol protocol, SocksAddressType addressType, string host, int port)
    {
        Protocol = protocol;
        AddressType = addressType;
        Host = host;
        Port = port;
    }

    /// <summary>The protocol the client spoke (decides the reply encoding).</summary>
    public SocksProtocol Protocol { get; }

    /// <summary>Whether <see cref="Host"/> is a literal address or a name.</summary>
    public SocksAddressType AddressType { get; }

    /// <summary>
    /// The destination: a dotted IPv4 address, an IPv6 address without brackets (e.g. "::1"), or a host name
    /// exactly as the client sent it (never resolved locally).
    /// </summary>
    public string Host { get; }

    /// <summary>Destination TCP port, 0-65535.</summary>
    public int Port { get; }

    /// <summary>The SOCKS4/4a USERID field (at most 255 bytes); null for SOCKS5 and HTTP.</summary>
    public string? UserId { get; init; }

    /// <summary>
    /// Bytes the client sent after the request, before our reply (optimistic data) that the handshake had already
    /// read; the caller forwards them to the destination first. Usually empty.
    /// </summary>
    public ReadOnlyMemory<byte> InitialData { get; init; }

    /// <summary>"host:port" with IPv6 in brackets, for messages.</summary>
    public override string ToString() => AddressType == SocksAddressType.IPv6 ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
