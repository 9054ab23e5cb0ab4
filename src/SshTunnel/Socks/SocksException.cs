namespace SshTunnel.Socks;

/// <summary>
/// A SOCKS4/4a/5 or HTTP CONNECT client sent a request that cannot be served: malformed, truncated, oversized,
/// an unsupported command or authentication method, or nothing at all within the time allowed.
/// <see cref="ReplySent"/> says whether the client already received a failure reply (then the caller just closes).
/// </summary>
internal sealed class SocksException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong with the request, for the log.</param>
    /// <param name="replySent">True when a failure reply was written to the client (false e.g. for truncated input).</param>
    /// <param name="innerException">The underlying I/O or timeout failure, if any.</param>
    public SocksException(string message, bool replySent = false, Exception? innerException = null)
        : base(message, innerException) => ReplySent = replySent;

    /// <summary>True when the client already got a failure reply (SOCKS5 0xFF/REP, SOCKS4 0x5B or an HTTP error status).</summary>
    public bool ReplySent { get; }
}
