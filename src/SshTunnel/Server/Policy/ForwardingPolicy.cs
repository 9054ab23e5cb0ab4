using System.Net;

namespace SshTunnel.Server.Policy;

/// <summary>
/// Forwarding decisions for one authenticated user, combining the sshd_config forwarding keywords (after Match)
/// with the options of the authorized_keys line that authenticated the user, exactly as sshd decides them
/// (serverloop.c server_request_direct_tcpip / server_input_global_request, channels.c channel_connect_to_port,
/// check_rfwd_permission, channel_fwd_bind_addr).
/// </summary>
public sealed class ForwardingPolicy
{
    private readonly ForwardingSettings _settings;
    private readonly AuthorizedKeyOptions _key;

    /// <summary>Creates the policy.</summary>
    /// <param name="settings">The user's forwarding settings (after Match blocks).</param>
    /// <param name="keyOptions">Options of the authorizing authorized_keys line; null for password authentication.</param>
    public ForwardingPolicy(ForwardingSettings settings, AuthorizedKeyOptions? keyOptions = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _key = keyOptions ?? AuthorizedKeyOptions.Default;
    }

    /// <summary>The settings this policy applies.</summary>
    public ForwardingSettings Settings => _settings;

    /// <summary>
    /// May the client open a direct-tcpip channel (ssh -L / -D) to <paramref name="host"/>:<paramref name="port"/>?
    /// Needs AllowTcpForwarding yes/all/local, no DisableForwarding, no no-port-forwarding/restrict, and both the
    /// PermitOpen rule and the key's permitopen= entries must allow the literal host string and port.
    /// </summary>
    /// <param name="host">host to connect, exactly as sent in the channel-open (RFC 4254 §7.2); no DNS.</param>
    /// <param name="port">port to connect.</param>
    /// <param name="denialReason">On refusal, <see cref="ForwardingLog.LocalForwardingDisabled"/> (log with
    /// <see cref="ForwardingLog.RefusedLocalPortForward"/>) or <see cref="ForwardingLog.OpenNotPermitted"/> (log with
    /// <see cref="ForwardingLog.ConnectDenied"/>); empty when allowed. Either way answer administratively prohibited.</param>
    public bool CanOpenDirectTcpip(string host, uint port, out string denialReason)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (port > 65535 || !LocalTcpEnabled)
        {
            denialReason = ForwardingLog.LocalForwardingDisabled;
            return false;
        }
        bool user = _key.PermitOpen.Count == 0 || _key.PermitOpen.Any(r => r.MatchesOpen(host, port));
        if (!user || !_settings.PermitOpen.AllowsOpen(host, port))
        {
            denialReason = ForwardingLog.OpenNotPermitted;
            return false;
        }
        denialReason = "";
        return true;
    }

    /// <summary>
    /// May the client request tcpip-forward (ssh -R) on <paramref name="addressToBind"/>:<paramref name="port"/>?
    /// Needs AllowTcpForwarding yes/all/remote, no DisableForwarding, no no-port-forwarding/restrict, a reply wanted
    /// when the port is 0, and PermitListen and permitlisten= must both allow the address string as sent (lower-cased,
    /// wildcard match; checked before any GatewayPorts override). Port 0 is only allowed by a <c>*</c> port rule.
    /// </summary>
    /// <param name="addressToBind">address to bind as sent (RFC 4254 §7.1), e.g. "localhost", "", "0.0.0.0".</param>
    /// <param name="port">port to bind; 0 asks the server to choose.</param>
    /// <param name="wantReply">The request's want-reply flag (port 0 without a reply is refused, as sshd).</param>
    /// <param name="denialReason">On refusal, the debug message sshd sends: <see cref="ForwardingLog.ServerDisabledPortForwarding"/>
    /// or <see cref="ForwardingLog.PortForwardingRefused"/> (then log <see cref="ForwardingLog.RemoteForwardDenied"/>).</param>
    public bool CanListen(string addressToBind, uint port, bool wantReply, out string denialReason)
    {
        ArgumentNullException.ThrowIfNull(addressToBind);
        if (port > 65535 || !RemoteTcpEnabled || (!wantReply && port == 0))
        {
            denialReason = ForwardingLog.ServerDisabledPortForwarding;
            return false;
        }
        bool user = _key.PermitListen.Count == 0 || _key.PermitListen.Any(r => r.MatchesListen(addressToBind, port));
        if (!user || !_settings.PermitListen.AllowsListen(addressToBind, port))
        {
            denialReason = ForwardingLog.PortForwardingRefused;
            return false;
        }
        denialReason = "";
        return true;
    }

    /// <summary><see cref="CanListen(string, uint, bool, out string)"/> with want-reply set.</summary>
    public bool CanListen(string addressToBind, uint port, out string denialReason) => CanListen(addressToBind, port, true, out denialReason);

    /// <summary>
    /// May the client open direct-streamlocal@openssh.com to a Unix socket? Needs AllowStreamLocalForwarding
    /// yes/all/local, no DisableForwarding and no no-port-forwarding/restrict. There is no path ACL in sshd.
    /// </summary>
    /// <param name="denialReason"><see cref="ForwardingLog.StreamLocalForwardingDisabled"/> on refusal (log with
    /// <see cref="ForwardingLog.RefusedStreamLocalForward"/>).</param>
    public bool CanOpenDirectStreamLocal(out string denialReason)
    {
        bool ok = (_settings.AllowStreamLocalForwarding & ForwardingDirections.Local) != 0 && _key.PermitPortForwarding && !_settings.DisableForwarding;
        denialReason = ok ? "" : ForwardingLog.StreamLocalForwardingDisabled;
        return ok;
    }

    /// <summary>
    /// May the client request streamlocal-forward@openssh.com? Needs AllowStreamLocalForwarding yes/all/remote, no
    /// DisableForwarding and no no-port-forwarding/restrict. PermitListen never restricts socket paths (as sshd).
    /// </summary>
    /// <param name="denialReason"><see cref="ForwardingLog.ServerDisabledStreamLocalForwarding"/> on refusal.</param>
    public bool CanListenStreamLocal(out string denialReason)
    {
        bool ok = (_settings.AllowStreamLocalForwarding & ForwardingDirections.Remote) != 0 && _key.PermitPortForwarding && !_settings.DisableForwarding;
        denialReason = ok ? "" : ForwardingLog.ServerDisabledStreamLocalForwarding;
        return ok;
    }

    /// <summary>
    /// The addresses to bind for an allowed tcpip-forward, from the address string the client sent and GatewayPorts
    /// (FORWARDING-CLI.md §5 table; channels.c channel_fwd_bind_addr):
    /// <list type="bullet">
    /// <item>no: "127.0.0.1" and "::1" as given, anything else loopback of both families.</item>
    /// <item>yes: always the wildcard of both families (an explicit address is "overridden").</item>
    /// <item>clientspecified: "" or "*" wildcard, "localhost" loopback, anything else exactly that address/name.</item>
    /// </list>
    /// </summary>
    /// <param name="addressToBind">address to bind as sent by the client.</param>
    public ListenBinding ResolveBindAddresses(string addressToBind)
    {
        ArgumentNullException.ThrowIfNull(addressToBind);
        switch (_settings.GatewayPorts)
        {
            case GatewayPortsMode.Yes:
                return ListenBinding.Wildcard(addressToBind is not ("" or "0.0.0.0" or "*"));
            case GatewayPortsMode.ClientSpecified:
                if (addressToBind is "" or "*") return ListenBinding.Wildcard(false);
                if (addressToBind == "localhost") return ListenBinding.Loopback;
                return IPAddress.TryParse(addressToBind, out IPAddress? literal)
                    ? new ListenBinding([literal], null, false)
                    : new ListenBinding([], addressToBind, false);
            default:
                if (addressToBind == "127.0.0.1") return new ListenBinding([IPAddress.Loopback], null, false);
                if (addressToBind == "::1") return new ListenBinding([IPAddress.IPv6Loopback], null, false);
                return ListenBinding.Loopback;
        }
    }

    private bool LocalTcpEnabled =>
        (_settings.AllowTcpForwarding & ForwardingDirections.Local) != 0 && _key.PermitPortForwarding && !_settings.DisableForwarding;

    private bool RemoteTcpEnabled =>
        (_settings.AllowTcpForwarding & ForwardingDirections.Remote) != 0 && _key.PermitPortForwarding && !_settings.DisableForwarding;
}
