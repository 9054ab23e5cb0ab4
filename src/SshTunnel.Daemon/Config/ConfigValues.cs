using SshTunnel.Server.Policy;

namespace SshTunnel.Daemon.Config;

/// <summary>sshd's PermitRootLogin values.</summary>
public enum PermitRootLogin
{
    /// <summary><c>no</c>.</summary>
    No,

    /// <summary><c>prohibit-password</c> / <c>without-password</c> (default): root only with public keys.</summary>
    ProhibitPassword,

    /// <summary><c>forced-commands-only</c>: root only with keys that have command= (never useful for forwarding).</summary>
    ForcedCommandsOnly,

    /// <summary><c>yes</c>.</summary>
    Yes,
}

/// <summary>MaxStartups <c>start:rate:full</c>; a single number n is n:30:n, as sshd -T prints it.</summary>
/// <param name="Start">Unauthenticated connections before random early drop starts.</param>
/// <param name="Rate">Drop probability in percent at <paramref name="Start"/>.</param>
/// <param name="Full">Unauthenticated connections at which every new one is refused.</param>
public readonly record struct MaxStartupsSpec(int Start, int Rate, int Full)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Start}:{Rate}:{Full}";
}

/// <summary>One ListenAddress: host (brackets removed) and port (0 = every configured Port).</summary>
/// <param name="Host">Address or host name as written.</param>
/// <param name="Port">Port, or 0 for "the Port values".</param>
public readonly record struct ListenAddressSpec(string Host, int Port)
{
    /// <summary>As sshd -T prints it: <c>host:port</c>, IPv6 in brackets.</summary>
    public override string ToString() => (Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host) + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Keyword values of one configuration layer before defaults: null (or empty lists) means "not set". Used for the
/// global options, for each Match block, and to merge them as sshd's copy_set_server_options does.
/// </summary>
internal sealed class RawSettings
{
    public List<int> Ports { get; private set; } = [];
    public List<ListenAddressSpec> ListenAddresses { get; private set; } = [];
    public List<string> HostKeys { get; private set; } = [];
    public List<string>? AuthorizedKeysFiles { get; set; }
    public List<string> AllowUsers { get; private set; } = [];
    public List<string> DenyUsers { get; private set; } = [];
    public bool? PubkeyAuthentication { get; set; }
    public bool? PasswordAuthentication { get; set; }
    public bool? KbdInteractiveAuthentication { get; set; }
    public PermitRootLogin? PermitRootLogin { get; set; }
    public ForwardingDirections? AllowTcpForwarding { get; set; }
    public ForwardingDirections? AllowStreamLocalForwarding { get; set; }
    public bool? DisableForwarding { get; set; }
    public GatewayPortsMode? GatewayPorts { get; set; }
    public PermitList? PermitOpen { get; set; }
    public PermitList? PermitListen { get; set; }
    public int? MaxAuthTries { get; set; }
    public int? MaxSessions { get; set; }
    public MaxStartupsSpec? MaxStartups { get; set; }
    public int? PerSourceMaxStartups { get; set; } // int.MaxValue = "none"
    public bool? TcpKeepAlive { get; set; }
    public int? StreamLocalBindMask { get; set; }
    public bool? StreamLocalBindUnlink { get; set; }
    public int? LoginGraceTime { get; set; }
    public int? ClientAliveInterval { get; set; }
    public int? ClientAliveCountMax { get; set; }
    public string? LogLevel { get; set; }
    public string? Ciphers { get; set; }
    public string? Macs { get; set; }
    public string? KexAlgorithms { get; set; }
    public string? HostKeyAlgorithms { get; set; }
    public string? PasswordFile { get; set; }

    /// <summary>copy_set_server_options: every value set in <paramref name="match"/> replaces ours.</summary>
    public void OverrideWith(RawSettings match)
    {
        if (match.AuthorizedKeysFiles is not null) AuthorizedKeysFiles = match.AuthorizedKeysFiles;
        if (match.AllowUsers.Count > 0) { AllowUsers.Clear(); AllowUsers.AddRange(match.AllowUsers); }
        if (match.DenyUsers.Count > 0) { DenyUsers.Clear(); DenyUsers.AddRange(match.DenyUsers); }
        PubkeyAuthentication = match.PubkeyAuthentication ?? PubkeyAuthentication;
        PasswordAuthentication = match.PasswordAuthentication ?? PasswordAuthentication;
        KbdInteractiveAuthentication = match.KbdInteractiveAuthentication ?? KbdInteractiveAuthentication;
        PermitRootLogin = match.PermitRootLogin ?? PermitRootLogin;
        AllowTcpForwarding = match.AllowTcpForwarding ?? AllowTcpForwarding;
        AllowStreamLocalForwarding = match.AllowStreamLocalForwarding ?? AllowStreamLocalForwarding;
        DisableForwarding = match.DisableForwarding ?? DisableForwarding;
        GatewayPorts = match.GatewayPorts ?? GatewayPorts;
        PermitOpen = match.PermitOpen ?? PermitOpen;
        PermitListen = match.PermitListen ?? PermitListen;
        MaxAuthTries = match.MaxAuthTries ?? MaxAuthTries;
        MaxSessions = match.MaxSessions ?? MaxSessions;
        ClientAliveInterval = match.ClientAliveInterval ?? ClientAliveInterval;
        ClientAliveCountMax = match.ClientAliveCountMax ?? ClientAliveCountMax;
        LogLevel = match.LogLevel ?? LogLevel;
    }

    public RawSettings Clone()
    {
        var copy = (RawSettings)MemberwiseClone();
        copy.Ports = [.. Ports];
        copy.ListenAddresses = [.. ListenAddresses];
        copy.HostKeys = [.. HostKeys];
        copy.AllowUsers = [.. AllowUsers];
        copy.DenyUsers = [.. DenyUsers];
        return copy;
    }
}
