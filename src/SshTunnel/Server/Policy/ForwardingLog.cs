using System.Globalization;

namespace SshTunnel.Server.Policy;

/// <summary>
/// sshd's texts for forwarding refusals, both server log lines (serverloop.c, channels.c) and the SSH_MSG_DEBUG
/// messages sent to the client. Use these so logs read like sshd's.
/// </summary>
public static class ForwardingLog
{
    /// <summary>Debug message to the client when tcpip-forward is disabled for it.</summary>
    public const string ServerDisabledPortForwarding = "Server has disabled port forwarding.";

    /// <summary>Debug message to the client when streamlocal-forward is disabled for it.</summary>
    public const string ServerDisabledStreamLocalForwarding = "Server has disabled streamlocal forwarding.";

    /// <summary>Debug message to the client when PermitListen/permitlisten= refuse the listen address.</summary>
    public const string PortForwardingRefused = "port forwarding refused";

    /// <summary>Reason for a direct-tcpip refused because forwarding is disabled (AllowTcpForwarding, DisableForwarding, no-port-forwarding).</summary>
    public const string LocalForwardingDisabled = "local port forwarding disabled";

    /// <summary>Reason for a direct-tcpip refused by PermitOpen/permitopen=.</summary>
    public const string OpenNotPermitted = "destination not permitted by PermitOpen/permitopen";

    /// <summary>Reason for a direct-streamlocal refused because it is disabled.</summary>
    public const string StreamLocalForwardingDisabled = "streamlocal forwarding disabled";

    /// <summary><c>refused local port forward: originator A port P, target H port N</c> (forwarding disabled).</summary>
    public static string RefusedLocalPortForward(string originatorAddress, uint originatorPort, string targetHost, uint targetPort) =>
        string.Create(CultureInfo.InvariantCulture,
            $"refused local port forward: originator {originatorAddress} port {originatorPort}, target {targetHost} port {targetPort}");

    /// <summary><c>Received request from A port P to connect to host H port N, but the request was denied.</c> (PermitOpen).</summary>
    public static string ConnectDenied(string remoteAddress, int remotePort, string host, uint port) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Received request from {remoteAddress} port {remotePort} to connect to host {host} port {port}, but the request was denied.");

    /// <summary><c>Received request from A port P to remote forward to host H port N, but the request was denied.</c></summary>
    public static string RemoteForwardDenied(string remoteAddress, int remotePort, string listenHost, uint listenPort) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Received request from {remoteAddress} port {remotePort} to remote forward to host {listenHost} port {listenPort}, but the request was denied.");

    /// <summary><c>refused streamlocal port forward: originator A port P, target PATH</c>.</summary>
    public static string RefusedStreamLocalForward(string originatorAddress, uint originatorPort, string targetPath) =>
        string.Create(CultureInfo.InvariantCulture,
            $"refused streamlocal port forward: originator {originatorAddress} port {originatorPort}, target {targetPath}");

    /// <summary>Debug message to the client: <c>Forwarding listen address "X" overridden by server GatewayPorts</c>.</summary>
    public static string ListenAddressOverridden(string listenAddress) =>
        $"Forwarding listen address \"{listenAddress}\" overridden by server GatewayPorts";

    /// <summary><c>User U from H not allowed because listed in DenyUsers</c> (and the AllowUsers variant), as auth.c logs.</summary>
    public static string UserNotAllowed(string user, string host, string because) => $"User {user} from {host} not allowed because {because}";
}
