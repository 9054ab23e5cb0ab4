namespace SshTunnel.Socks;

/// <summary>
/// The outcome of a SOCKS request, as the RFC 1928 §6 REP field. SOCKS4 maps <see cref="Succeeded"/> to 0x5A
/// ("request granted") and every other value to 0x5B ("request rejected or failed"); HTTP CONNECT maps them to
/// status lines (see <see cref="SocksReply.HttpStatusFor"/>).
/// </summary>
internal enum SocksReplyCode : byte
{
    /// <summary>X'00' succeeded.</summary>
    Succeeded = 0x00,
    /// <summary>X'01' general SOCKS server failure.</summary>
    GeneralFailure = 0x01,
    /// <summary>X'02' connection not allowed by ruleset.</summary>
    NotAllowed = 0x02,
    /// <summary>X'03' network unreachable.</summary>
    NetworkUnreachable = 0x03,
    /// <summary>X'04' host unreachable (also: the name did not resolve at the gateway).</summary>
    HostUnreachable = 0x04,
    /// <summary>X'05' connection refused.</summary>
    ConnectionRefused = 0x05,
    /// <summary>X'06' TTL expired (used for a connect timeout).</summary>
    TtlExpired = 0x06,
    /// <summary>X'07' command not supported (BIND, UDP ASSOCIATE, anything but CONNECT).</summary>
    CommandNotSupported = 0x07,
    /// <summary>X'08' address type not supported.</summary>
    AddressTypeNotSupported = 0x08,
}
