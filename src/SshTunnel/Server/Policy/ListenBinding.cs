using System.Net;

namespace SshTunnel.Server.Policy;

/// <summary>
/// Where the server binds a remote (-R) forward listener, decided from the client's address_to_bind and GatewayPorts
/// (OpenSSH channels.c channel_fwd_bind_addr with is_client = 0). Bind the same port on every address.
/// </summary>
public sealed class ListenBinding
{
    internal ListenBinding(IReadOnlyList<IPAddress> addresses, string? hostNameToResolve, bool overridden)
    {
        Addresses = addresses;
        HostNameToResolve = hostNameToResolve;
        OverriddenByGatewayPorts = overridden;
    }

    /// <summary>
    /// The addresses to bind: <c>0.0.0.0</c> + <c>::</c> (wildcard), <c>127.0.0.1</c> + <c>::1</c> (loopback), or
    /// one literal address. Empty when <see cref="HostNameToResolve"/> is set.
    /// </summary>
    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>
    /// With GatewayPorts clientspecified and a host name that is not an address literal: resolve it (passive
    /// getaddrinfo) and bind every address it yields; if none is local the request fails. Otherwise null.
    /// </summary>
    public string? HostNameToResolve { get; }

    /// <summary>
    /// True when GatewayPorts yes replaced an explicit address; sshd then sends the client the debug message
    /// <see cref="ForwardingLog.ListenAddressOverridden"/>.
    /// </summary>
    public bool OverriddenByGatewayPorts { get; }

    /// <summary>True when the binding is the wildcard of both families.</summary>
    public bool IsWildcard => Addresses.Count == 2 && Addresses[0].Equals(IPAddress.Any) && Addresses[1].Equals(IPAddress.IPv6Any);

    /// <summary>True when the binding is the loopback address of both families.</summary>
    public bool IsLoopback => Addresses.Count == 2 && Addresses[0].Equals(IPAddress.Loopback) && Addresses[1].Equals(IPAddress.IPv6Loopback);

    internal static ListenBinding Wildcard(bool overridden) => new([IPAddress.Any, IPAddress.IPv6Any], null, overridden);

    internal static ListenBinding Loopback { get; } = new([IPAddress.Loopback, IPAddress.IPv6Loopback], null, false);

    /// <inheritdoc/>
    public override string ToString() => HostNameToResolve ?? string.Join(" + ", Addresses);
}
