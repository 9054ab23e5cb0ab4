namespace SshTunnel.Server.Policy;

/// <summary>
/// The forwarding keywords of sshd_config for one user, after Match blocks have been applied. Defaults are sshd's.
/// </summary>
public sealed class ForwardingSettings
{
    /// <summary>AllowTcpForwarding (default yes).</summary>
    public ForwardingDirections AllowTcpForwarding { get; init; } = ForwardingDirections.All;

    /// <summary>AllowStreamLocalForwarding (default yes).</summary>
    public ForwardingDirections AllowStreamLocalForwarding { get; init; } = ForwardingDirections.All;

    /// <summary>DisableForwarding (default no): overrides every other forwarding permission.</summary>
    public bool DisableForwarding { get; init; }

    /// <summary>GatewayPorts (default no).</summary>
    public GatewayPortsMode GatewayPorts { get; init; } = GatewayPortsMode.No;

    /// <summary>PermitOpen (default any): destinations of direct-tcpip opens.</summary>
    public PermitList PermitOpen { get; init; } = PermitList.Any;

    /// <summary>PermitListen (default any): listen host/port of tcpip-forward requests.</summary>
    public PermitList PermitListen { get; init; } = PermitList.Any;
}
