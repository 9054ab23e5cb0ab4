using System.Globalization;
using System.Text;
using SshTunnel.Forwarding;

namespace SshTunnel.Cli.Arguments;

/// <summary>
/// The final client settings for one destination: command line, then ssh_config, then OpenSSH's defaults
/// (<c>fill_default_options</c>) for the keywords SshTunnel uses. Typed accessors for the program, the raw
/// keyword view through <see cref="Get"/>, and <see cref="Dump"/> for <c>-G</c>.
/// </summary>
internal sealed class ResolvedSshConfig
{
    /// <summary>OpenSSH 10.x's default identity files, in order.</summary>
    public static readonly string[] DefaultIdentityFiles =
        ["~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk"];

    private readonly SshOptions _options;
    private readonly SshConfigContext _context;

    internal ResolvedSshConfig(ClientInvocation invocation, SshOptions options, SshConfigContext context, List<string> warnings)
    {
        Invocation = invocation;
        _options = options;
        _context = context;
        Warnings = warnings;
        bool stdio = invocation.StdioForward is not null;
        SetDefaults(stdio);
        if (_options.Get("clearallforwardings") == "yes")
        {
            _options.ClearForwards();
        }

        HostName = ClientInvocation.ExpandHostName(options.Get("hostname"), invocation.Host);
        if (GetInt("connectionattempts") <= 0)
        {
            throw new SshConfigException("Invalid number of ConnectionAttempts");
        }

        if (invocation.Command.Count > 0 && options.Get("remotecommand") is not null)
        {
            throw new SshConfigException("Cannot execute command-line and remote command.");
        }

        if (ForkAfterAuthentication && invocation.Command.Count == 0 && options.Get("remotecommand") is null &&
            SessionType != "none")
        {
            throw new SshConfigException("Cannot fork into background without a command to execute.");
        }
    }

    /// <summary>The command line this came from.</summary>
    public ClientInvocation Invocation { get; }

    /// <summary>Non-fatal messages to print to stderr (command line and config).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The host to connect to (HostName with %h expanded, lower-cased unless an address).</summary>
    public string HostName { get; }

    /// <summary>The destination as typed (what <c>Host</c> matched; used for known_hosts aliasing by ssh as well).</summary>
    public string HostAlias => Invocation.Host;

    public int Port => GetInt("port");

    public string User => _options.Get("user")!;

    /// <summary>Identity files with <c>~</c> expanded: the configured ones, else OpenSSH's defaults.</summary>
    public IReadOnlyList<string> IdentityFiles =>
        [.. (_options.IsListSet("identityfile") ? _options.GetList("identityfile") : DefaultIdentityFiles).Select(_context.ExpandTilde)];

    public IReadOnlyList<string> CertificateFiles => [.. _options.GetList("certificatefile").Select(_context.ExpandTilde)];

    public bool IdentitiesOnly => GetFlag("identitiesonly");

    public IReadOnlyList<string> UserKnownHostsFiles => [.. _options.GetList("userknownhostsfile").Select(_context.ExpandTilde)];

    public IReadOnlyList<string> GlobalKnownHostsFiles => _options.GetList("globalknownhostsfile");

    /// <summary>"true" (yes), "false" (no/off), "ask" or "accept-new".</summary>
    public string StrictHostKeyChecking => _options.Get("stricthostkeychecking")!;

    public bool BatchMode => GetFlag("batchmode");

    /// <summary>ConnectTimeout; <see langword="null"/> for none (the OS default).</summary>
    public TimeSpan? ConnectTimeout => _options.Get("connecttimeout") is { } t ? TimeSpan.FromSeconds(int.Parse(t, CultureInfo.InvariantCulture)) : null;

    public bool ExitOnForwardFailure => GetFlag("exitonforwardfailure");

    /// <summary>ServerAliveInterval in seconds; 0 disables keepalives.</summary>
    public int ServerAliveInterval => GetInt("serveraliveinterval");

    public int ServerAliveCountMax => GetInt("serveralivecountmax");

    public bool GatewayPorts => GetFlag("gatewayports");

    public bool Compression => GetFlag("compression");

    /// <summary>Algorithm lists as configured (OpenSSH syntax, may start with +, - or ^); <see langword="null"/> = defaults.</summary>
    public string? Ciphers => _options.Get("ciphers");

    public string? KexAlgorithms => _options.Get("kexalgorithms");

    public string? HostKeyAlgorithms => _options.Get("hostkeyalgorithms");

    public string? Macs => _options.Get("macs");

    public string? PubkeyAcceptedAlgorithms => _options.Get("pubkeyacceptedalgorithms");

    /// <summary>QUIET, FATAL, ERROR, INFO, VERBOSE, DEBUG (= DEBUG1), DEBUG2 or DEBUG3.</summary>
    public string LogLevel => _options.Get("loglevel")!;

    /// <summary>Local and dynamic forwards (after ClearAllForwardings), in order, duplicates dropped.</summary>
    public IReadOnlyList<ForwardSpec> LocalForwards => _options.LocalForwards;

    /// <summary>Remote forwards (after ClearAllForwardings), in order, duplicates dropped.</summary>
    public IReadOnlyList<ForwardSpec> RemoteForwards => _options.RemoteForwards;

    /// <summary>ProxyJump as given (comma-separated hops), or <see langword="null"/> (unset or "none").</summary>
    public string? ProxyJump => _options.Get("proxyjump") is { } j && j != "none" ? j : null;

    /// <summary>ProxyCommand, or <see langword="null"/> (unset, "none", or ProxyJump in use).</summary>
    public string? ProxyCommand =>
        ProxyJump is null && _options.Get("proxycommand") is { } c && !string.Equals(c, "none", StringComparison.OrdinalIgnoreCase) ? c : null;

    /// <summary>Parsed ProxyJump hops, first hop first; empty when none.</summary>
    public IReadOnlyList<SshDestination> JumpHosts =>
        ProxyJump is null or "none"
            ? []
            : [.. ProxyJump.Split(',').Select(h => SshDestination.TryParse(h, false, out SshDestination? d) ? d : null).OfType<SshDestination>()];

    public bool ClearAllForwardings => GetFlag("clearallforwardings");

    /// <summary>"true", "false", "unbound" or "host-bound".</summary>
    public string PubkeyAuthentication => _options.Get("pubkeyauthentication")!;

    public bool PasswordAuthentication => GetFlag("passwordauthentication");

    public bool KbdInteractiveAuthentication => GetFlag("kbdinteractiveauthentication");

    public string? PreferredAuthentications => _options.Get("preferredauthentications");

    /// <summary>"any", "inet" or "inet6".</summary>
    public string AddressFamily => _options.Get("addressfamily")!;

    public string? BindAddress => _options.Get("bindaddress");

    public bool ForkAfterAuthentication => GetFlag("forkafterauthentication");

    public bool StdinNull => GetFlag("stdinnull");

    /// <summary>"default", "none" or "subsystem".</summary>
    public string SessionType => _options.Get("sessiontype")!;

    /// <summary>"auto", "true", "false" or "force".</summary>
    public string RequestTty => _options.Get("requesttty")!;

    public int NumberOfPasswordPrompts => GetInt("numberofpasswordprompts");

    public bool HashKnownHosts => GetFlag("hashknownhosts");

    public bool CheckHostIP => GetFlag("checkhostip");

    /// <summary>"true", "false" or "ask".</summary>
    public string UpdateHostKeys => _options.Get("updatehostkeys")!;

    /// <summary>RekeyLimit: bytes (0 = cipher default) and seconds (0 = none).</summary>
    public (long Bytes, int Seconds) RekeyLimit
    {
        get
        {
            string[] parts = _options.Get("rekeylimit")!.Split(' ');
            return (long.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        }
    }

    public bool TcpKeepAlive => GetFlag("tcpkeepalive");

    /// <summary>StreamLocalBindMask as a umask (default octal 0177).</summary>
    public int StreamLocalBindMask => Convert.ToInt32(_options.Get("streamlocalbindmask"), 8);

    public bool StreamLocalBindUnlink => GetFlag("streamlocalbindunlink");

    /// <summary>PermitRemoteOpen entries; ["any"] by default.</summary>
    public IReadOnlyList<string> PermitRemoteOpen => _options.IsListSet("permitremoteopen") ? _options.GetList("permitremoteopen") : ["any"];

    /// <summary>"true", "false", "auto", "ask" or "autoask".</summary>
    public string ControlMaster => _options.Get("controlmaster")!;

    public string? ControlPath => _options.Get("controlpath");

    public string AddKeysToAgent => _options.Get("addkeystoagent")!;

    public string? IdentityAgent => _options.Get("identityagent");

    /// <summary>"yes", "no", or an agent socket path.</summary>
    public string ForwardAgent => _options.Get("forwardagent")!;

    public bool EnableEscapeCommandline => GetFlag("enableescapecommandline");

    public string EscapeChar => _options.Get("escapechar")!;

    /// <summary>sshtunnel's Reconnect (default no): with -N, reconnect after a connection loss (docs/RECONNECT.md).</summary>
    public bool Reconnect => GetFlag("reconnect");

    /// <summary>sshtunnel's ReconnectMaxDelay in seconds (upper bound of the backoff), or <see langword="null"/> for the default.</summary>
    public int? ReconnectMaxDelay => _options.Get("reconnectmaxdelay") is { } d ? int.Parse(d, CultureInfo.InvariantCulture) : null;

    /// <summary>sshtunnel's ReconnectMaxAttempts per outage, or <see langword="null"/> (unset or 0) for no limit.</summary>
    public int? ReconnectMaxAttempts => _options.Get("reconnectmaxattempts") is { } a && int.Parse(a, CultureInfo.InvariantCulture) is > 0 and var n ? n : null;

    /// <summary>A keyword's value as <c>ssh -G</c> would print it, or <see langword="null"/> if unset.</summary>
    public string? Get(string keyword) => _options.Get(keyword.ToLowerInvariant());

    /// <summary>A flag keyword's value (yes/true).</summary>
    public bool GetFlag(string keyword) => Get(keyword) is "yes" or "true";

    private int GetInt(string keyword) => int.Parse(_options.Get(keyword)!, CultureInfo.InvariantCulture);

    private void SetDefaults(bool stdio)
    {
        (string, string)[] defaults =
        [
            ("user", _context.LocalUser), ("port", "22"), ("addressfamily", "any"), ("batchmode", "no"),
            ("checkhostip", "no"), ("compression", "no"), ("controlmaster", "false"),
            ("clearallforwardings", stdio ? "yes" : "no"), ("exitonforwardfailure", stdio ? "yes" : "no"),
            ("gatewayports", "no"), ("hashknownhosts", "no"), ("identitiesonly", "no"),
            ("kbdinteractiveauthentication", "yes"), ("passwordauthentication", "yes"),
            ("pubkeyauthentication", "true"), ("requesttty", "auto"), ("sessiontype", "default"), ("stdinnull", "no"),
            ("forkafterauthentication", "no"), ("streamlocalbindunlink", "no"), ("stricthostkeychecking", "ask"),
            ("tcpkeepalive", "yes"), ("enableescapecommandline", "no"),
            ("connectionattempts", "1"), ("numberofpasswordprompts", "3"), ("serveralivecountmax", "3"),
            ("serveraliveinterval", "0"), ("loglevel", "INFO"), ("addkeystoagent", "false"), ("forwardagent", "no"),
            ("escapechar", "~"), ("rekeylimit", "0 0"), ("streamlocalbindmask", "0177"),
        ];
        foreach ((string k, string v) in defaults)
        {
            _options.SetIfUnset(k, v);
        }

        if (!_options.IsSet("updatehostkeys"))
        {
            IReadOnlyList<string> userFiles = _options.GetList("userknownhostsfile");
            bool defaultFiles = userFiles.Count == 0 || (userFiles.Count == 1 && userFiles[0] == "~/.ssh/known_hosts");
            bool dns = _options.Get("verifyhostkeydns") is "true" or "ask";
            _options.SetIfUnset("updatehostkeys", defaultFiles && !dns ? "true" : "false");
        }

        _options.SetListIfUnset("globalknownhostsfile", ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]);
        _options.SetListIfUnset("userknownhostsfile", ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"]);
    }

    /// <summary>
    /// The <c>ssh -G</c> output for the keywords SshTunnel supports, in OpenSSH's order and format (forwards
    /// included, with OpenSSH's habit of also printing a local forward to a path as <c>dynamicforward</c>).
    /// Default algorithm lists are not printed (they depend on the library's implementation).
    /// </summary>
    public string Dump()
    {
        var sb = new StringBuilder();
        void Line(string keyword, string? value)
        {
            if (value is not null)
            {
                sb.Append(keyword).Append(' ').Append(value).Append('\n');
            }
        }

        Line("host", Invocation.Host);
        Line("user", User);
        Line("hostname", HostName);
        Line("port", Get("port"));
        foreach (string k in new[]
                 {
                     "addressfamily", "batchmode", "checkhostip", "compression", "controlmaster", "clearallforwardings",
                     "exitonforwardfailure", "gatewayports", "hashknownhosts", "identitiesonly",
                     "kbdinteractiveauthentication", "passwordauthentication", "pubkeyauthentication", "requesttty",
                     "sessiontype", "stdinnull", "forkafterauthentication", "streamlocalbindunlink",
                     "stricthostkeychecking", "tcpkeepalive", "updatehostkeys", "enableescapecommandline",
                     "connectionattempts", "numberofpasswordprompts", "serveralivecountmax", "serveraliveinterval",
                     "bindaddress", "bindinterface", "ciphers", "controlpath", "hostkeyalgorithms", "hostkeyalias",
                     "identityagent", "kexalgorithms", "remotecommand", "loglevel", "macs", "preferredauthentications",
                     "pubkeyacceptedalgorithms", "tag",
                 })
        {
            Line(k, Get(k));
        }

        foreach (ForwardSpec f in LocalForwards)
        {
            if (f.Kind == ForwardSpecKind.Dynamic || f.ConnectPath is not null)
            {
                Line("dynamicforward", f.ListenText);
            }
        }

        foreach (ForwardSpec f in LocalForwards)
        {
            if (f.Kind != ForwardSpecKind.Dynamic)
            {
                Line("localforward", f.ToString());
            }
        }

        foreach (ForwardSpec f in RemoteForwards)
        {
            Line("remoteforward", f.ToString());
        }

        foreach (string file in _options.IsListSet("identityfile") ? _options.GetList("identityfile") : DefaultIdentityFiles)
        {
            Line("identityfile", file);
        }

        foreach (string file in _options.GetList("certificatefile"))
        {
            Line("certificatefile", file);
        }

        Line("globalknownhostsfile", string.Join(' ', GlobalKnownHostsFiles));
        Line("userknownhostsfile", string.Join(' ', UserKnownHostsFiles));
        foreach (string env in _options.GetList("sendenv"))
        {
            Line("sendenv", env);
        }

        Line("permitremoteopen", string.Join(' ', PermitRemoteOpen));
        Line("addkeystoagent", AddKeysToAgent);
        Line("forwardagent", ForwardAgent);
        Line("connecttimeout", Get("connecttimeout") ?? "none");
        Line("escapechar", EscapeChar);
        Line("rekeylimit", Get("rekeylimit"));
        Line("streamlocalbindmask", Get("streamlocalbindmask"));
        if (ProxyJump is null)
        {
            Line("proxycommand", ProxyCommand);
        }
        else
        {
            Line("proxyjump", FormatProxyJump(ProxyJump));
        }

        // sshtunnel's own keywords, only when set, so that the output otherwise matches ssh -G exactly.
        foreach (string k in new[] { "reconnect", "reconnectmaxdelay", "reconnectmaxattempts" })
        {
            Line(k, Get(k));
        }

        return sb.ToString();
    }

    /// <summary>ssh -G's ProxyJump form: earlier hops as given, the last hop rebuilt as user@[host]:port with
    /// brackets around numeric or IPv6 hosts.</summary>
    private static string FormatProxyJump(string spec)
    {
        int comma = spec.LastIndexOf(',');
        string extra = comma >= 0 ? spec[..(comma + 1)] : "";
        if (!SshDestination.TryParse(spec[(comma + 1)..], false, out SshDestination? last))
        {
            return spec;
        }

        bool numeric = last.Host.Contains(':', StringComparison.Ordinal) || last.Host.All(c => char.IsAsciiDigit(c) || c == '.');
        string host = numeric ? $"[{last.Host}]" : last.Host;
        string user = last.User is null ? "" : last.User + "@";
        string port = last.Port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : "";
        return extra + user + host + port;
    }
}
