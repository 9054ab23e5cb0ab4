namespace SshTunnel.Server.Policy;

/// <summary>
/// Values of sshd's AllowTcpForwarding and AllowStreamLocalForwarding: which directions are allowed.
/// <c>yes</c> and <c>all</c> are <see cref="All"/>.
/// </summary>
[Flags]
public enum ForwardingDirections
{
    /// <summary><c>no</c>: no forwarding.</summary>
    None = 0,

    /// <summary><c>local</c>: client-initiated opens (ssh -L / -D: direct-tcpip, direct-streamlocal).</summary>
    Local = 1,

    /// <summary><c>remote</c>: server-side listeners (ssh -R: tcpip-forward, streamlocal-forward).</summary>
    Remote = 2,

    /// <summary><c>yes</c> / <c>all</c>: both.</summary>
    All = Local | Remote,
}
