namespace SshTunnel.Connection;

/// <summary>Global request names (RFC 4254 §7.1; OpenSSH PROTOCOL §2).</summary>
internal static class GlobalRequestNames
{
    /// <summary>"tcpip-forward" (RFC 4254 §7.1).</summary>
    public const string TcpipForward = "tcpip-forward";
    /// <summary>"cancel-tcpip-forward" (RFC 4254 §7.1).</summary>
    public const string CancelTcpipForward = "cancel-tcpip-forward";
    /// <summary>"keepalive@openssh.com": any reply counts as alive.</summary>
    public const string KeepAlive = "keepalive@openssh.com";
    /// <summary>"no-more-sessions@openssh.com" (OpenSSH PROTOCOL §2.2).</summary>
    public const string NoMoreSessions = "no-more-sessions@openssh.com";
    /// <summary>"hostkeys-00@openssh.com" (OpenSSH PROTOCOL §2.5).</summary>
    public const string HostKeys = "hostkeys-00@openssh.com";
    /// <summary>"hostkeys-prove-00@openssh.com" (OpenSSH PROTOCOL §2.5).</summary>
    public const string HostKeysProve = "hostkeys-prove-00@openssh.com";
    /// <summary>"streamlocal-forward@openssh.com" (OpenSSH PROTOCOL §2.4).</summary>
    public const string StreamLocalForward = "streamlocal-forward@openssh.com";
    /// <summary>"cancel-streamlocal-forward@openssh.com" (OpenSSH PROTOCOL §2.4).</summary>
    public const string CancelStreamLocalForward = "cancel-streamlocal-forward@openssh.com";
}
