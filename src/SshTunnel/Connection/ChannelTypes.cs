namespace SshTunnel.Connection;

/// <summary>Channel type names (RFC 4254 §6.1, §7.2; OpenSSH PROTOCOL §2.4).</summary>
internal static class ChannelTypes
{
    /// <summary>"session" (RFC 4254 §6.1).</summary>
    public const string Session = "session";
    /// <summary>"direct-tcpip" (RFC 4254 §7.2): client-requested connection (-L, -D).</summary>
    public const string DirectTcpip = "direct-tcpip";
    /// <summary>"forwarded-tcpip" (RFC 4254 §7.2): connection to a remote-forwarded port (-R).</summary>
    public const string ForwardedTcpip = "forwarded-tcpip";
    /// <summary>"direct-streamlocal@openssh.com": client-requested Unix-socket connection.</summary>
    public const string DirectStreamLocal = "direct-streamlocal@openssh.com";
    /// <summary>"forwarded-streamlocal@openssh.com": connection to a remote-forwarded Unix socket.</summary>
    public const string ForwardedStreamLocal = "forwarded-streamlocal@openssh.com";
}
