namespace SshTunnel.Socks;

/// <summary>Which proxy protocol a client spoke; decides the encoding of the reply.</summary>
internal enum SocksProtocol
{
    /// <summary>SOCKS4 (first byte 0x04) with an IPv4 destination.</summary>
    Socks4,
    /// <summary>SOCKS4a: SOCKS4 with DSTIP 0.0.0.x (x ≠ 0) and a host name after the user id.</summary>
    Socks4a,
    /// <summary>SOCKS5 (RFC 1928, first byte 0x05).</summary>
    Socks5,
    /// <summary>HTTP/1.x "CONNECT host:port" (RFC 9110 §9.3.6), first byte an ASCII letter.</summary>
    HttpConnect,
}

/// <summary>How the destination was given.</summary>
internal enum SocksAddressType
{
    /// <summary>A literal IPv4 address.</summary>
    IPv4,
    /// <summary>A literal IPv6 address.</summary>
    IPv6,
    /// <summary>A host name, passed on unresolved (resolved at the gateway: no DNS leak).</summary>
    DomainName,
}
