namespace SshTunnel.Server.Policy;

/// <summary>sshd's GatewayPorts: how the listen address of a remote (-R) forward is chosen.</summary>
public enum GatewayPortsMode
{
    /// <summary><c>no</c> (default): loopback only, except an explicit 127.0.0.1 or ::1.</summary>
    No = 0,

    /// <summary><c>yes</c>: always the wildcard address.</summary>
    Yes = 1,

    /// <summary><c>clientspecified</c>: the address the client asked for ("" = wildcard, "localhost" = loopback).</summary>
    ClientSpecified = 2,
}
