using System.Globalization;
using System.Text;
using SshTunnel.Server.Policy;

namespace SshTunnel.Daemon.Config;

/// <summary>
/// sshtunneld's configuration, read from an sshd_config(5)-syntax file with sshd's semantics, plus the
/// <c>PasswordFile</c> keyword. Values are effective values with sshd's defaults filled in. Per-user values (after
/// <c>Match User</c> blocks) come from <see cref="ForUser"/>. Problems are collected in <see cref="Errors"/> (a
/// non-empty list means the configuration must not be used: print them all and exit, as <c>sshd -t</c>) and
/// <see cref="Warnings"/> (deprecated/ignored keywords).
/// </summary>
public sealed class ServerConfig
{
    /// <summary>sshd's default AuthorizedKeysFile.</summary>
    public static IReadOnlyList<string> DefaultAuthorizedKeysFiles { get; } = [".ssh/authorized_keys", ".ssh/authorized_keys2"];

    private readonly ServerConfigParser _parser;
    private readonly RawSettings _raw;
    private readonly Dictionary<string, ServerConfig> _perUser = new(StringComparer.Ordinal);

    private ServerConfig(ServerConfigParser parser, RawSettings raw, string? user)
    {
        _parser = parser;
        _raw = raw;
        User = user;
        Ports = raw.Ports.Count > 0 ? [.. raw.Ports] : [22];
        var listen = new List<ListenAddressSpec>();
        IEnumerable<ListenAddressSpec> configured = raw.ListenAddresses.Count > 0
            ? raw.ListenAddresses
            : [new ListenAddressSpec("0.0.0.0", 0), new ListenAddressSpec("::", 0)];
        foreach (ListenAddressSpec a in configured)
        {
            if (a.Port != 0) listen.Add(a);
            else listen.AddRange(Ports.Select(p => a with { Port = p }));
        }
        ListenAddresses = listen;
        HostKeys = [.. raw.HostKeys];
        AuthorizedKeysFiles = raw.AuthorizedKeysFiles is { } files ? [.. files.Select(ResolveFromWorkingDirectory)] : DefaultAuthorizedKeysFiles;
        AllowUsers = [.. raw.AllowUsers];
        DenyUsers = [.. raw.DenyUsers];
        PubkeyAuthentication = raw.PubkeyAuthentication ?? true;
        PasswordAuthentication = raw.PasswordAuthentication ?? true;
        KbdInteractiveAuthentication = raw.KbdInteractiveAuthentication ?? true;
        PermitRootLogin = raw.PermitRootLogin ?? PermitRootLogin.ProhibitPassword;
        Forwarding = new ForwardingSettings
        {
            AllowTcpForwarding = raw.AllowTcpForwarding ?? ForwardingDirections.All,
            // Unlike sshd (default yes), the gateway runs every user as one service account, so Unix-socket forwarding
            // would reach any socket that account can: off unless the administrator turns it on.
            AllowStreamLocalForwarding = raw.AllowStreamLocalForwarding ?? ForwardingDirections.None,
            DisableForwarding = raw.DisableForwarding ?? false,
            GatewayPorts = raw.GatewayPorts ?? GatewayPortsMode.No,
            PermitOpen = raw.PermitOpen ?? PermitList.Any,
            PermitListen = raw.PermitListen ?? PermitList.Any,
        };
        MaxAuthTries = raw.MaxAuthTries ?? 6;
        MaxSessions = raw.MaxSessions ?? 10;
        MaxStartups = raw.MaxStartups ?? new MaxStartupsSpec(10, 30, 100);
        PerSourceMaxStartups = raw.PerSourceMaxStartups is int perSource ? (perSource == int.MaxValue ? null : perSource) : MaxStartups.Start;
        TcpKeepAlive = raw.TcpKeepAlive ?? true;
        StreamLocalBindMask = raw.StreamLocalBindMask ?? 0x7F; // 0177
        StreamLocalBindUnlink = raw.StreamLocalBindUnlink ?? false;
        LoginGraceTime = TimeSpan.FromSeconds(raw.LoginGraceTime ?? 120);
        ClientAliveInterval = TimeSpan.FromSeconds(raw.ClientAliveInterval ?? 0);
        ClientAliveCountMax = raw.ClientAliveCountMax ?? 3;
        LogLevel = raw.LogLevel ?? "INFO";
        Ciphers = AlgorithmLists.Assemble(raw.Ciphers, AlgorithmLists.DefaultCiphers, AlgorithmLists.SupportedCiphers) ?? AlgorithmLists.DefaultCiphers;
        Macs = AlgorithmLists.Assemble(raw.Macs, AlgorithmLists.DefaultMacs, AlgorithmLists.SupportedMacs) ?? AlgorithmLists.DefaultMacs;
        KexAlgorithms = AlgorithmLists.Assemble(raw.KexAlgorithms, AlgorithmLists.DefaultKexAlgorithms, AlgorithmLists.SupportedKexAlgorithms) ?? AlgorithmLists.DefaultKexAlgorithms;
        HostKeyAlgorithms = AlgorithmLists.Assemble(raw.HostKeyAlgorithms, AlgorithmLists.DefaultHostKeyAlgorithms, AlgorithmLists.SupportedHostKeyAlgorithms) ?? AlgorithmLists.DefaultHostKeyAlgorithms;
        PasswordFile = raw.PasswordFile;
    }

    /// <summary>Errors, each a complete sshd-style line (<c>FILE line N: message</c>). Non-empty = unusable.</summary>
    public IReadOnlyList<ConfigDiagnostic> Errors => _parser.Errors;

    /// <summary>Warnings (deprecated or ignored keywords), sshd-style lines.</summary>
    public IReadOnlyList<ConfigDiagnostic> Warnings => _parser.Warnings;

    /// <summary>True when there are no errors.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>The user these values were computed for by <see cref="ForUser"/>, or null for the global values.</summary>
    public string? User { get; }

    /// <summary>Port (default 22); the command line's -p replaces the file's.</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>Addresses to listen on, each with its port (ListenAddress without a port is expanded to every Port;
    /// default <c>0.0.0.0</c> and <c>::</c>).</summary>
    public IReadOnlyList<ListenAddressSpec> ListenAddresses { get; }

    /// <summary>HostKey files, in order (no default: sshtunneld does not use /etc/ssh host keys implicitly).</summary>
    public IReadOnlyList<string> HostKeys { get; }

    /// <summary>AuthorizedKeysFile templates (%%, %h, %u, %U; relative to the home directory). Expand with <see cref="AuthorizedKeysPath.Expand"/>.</summary>
    public IReadOnlyList<string> AuthorizedKeysFiles { get; }

    /// <summary>AllowUsers entries (empty = everyone). Check with <see cref="UserAccessPolicy.IsAllowed"/>.</summary>
    public IReadOnlyList<string> AllowUsers { get; }

    /// <summary>DenyUsers entries.</summary>
    public IReadOnlyList<string> DenyUsers { get; }

    /// <summary>PubkeyAuthentication (default yes).</summary>
    public bool PubkeyAuthentication { get; }

    /// <summary>PasswordAuthentication (default yes; needs a PasswordFile to ever succeed).</summary>
    public bool PasswordAuthentication { get; }

    /// <summary>KbdInteractiveAuthentication (default yes).</summary>
    public bool KbdInteractiveAuthentication { get; }

    /// <summary>PermitRootLogin (default prohibit-password) for the user name "root".</summary>
    public PermitRootLogin PermitRootLogin { get; }

    /// <summary>The forwarding keywords; pass to <see cref="ForwardingPolicy"/>.</summary>
    public ForwardingSettings Forwarding { get; }

    /// <summary>MaxAuthTries (default 6).</summary>
    public int MaxAuthTries { get; }

    /// <summary>MaxSessions (default 10): open channels per connection that sshd counts as sessions.</summary>
    public int MaxSessions { get; }

    /// <summary>MaxStartups (default 10:30:100).</summary>
    public MaxStartupsSpec MaxStartups { get; }

    /// <summary>
    /// PerSourceMaxStartups: unauthenticated connections at once per source address; null = "none". Unlike sshd
    /// (default none), the default is the MaxStartups start value, so one host cannot fill every startup slot.
    /// </summary>
    public int? PerSourceMaxStartups { get; }

    /// <summary>TCPKeepAlive (default yes): SO_KEEPALIVE on client connections.</summary>
    public bool TcpKeepAlive { get; }

    /// <summary>StreamLocalBindMask (default 0177): umask for Unix sockets of remote streamlocal forwards.</summary>
    public int StreamLocalBindMask { get; }

    /// <summary>StreamLocalBindUnlink (default no): remove an existing socket file before binding.</summary>
    public bool StreamLocalBindUnlink { get; }

    /// <summary>LoginGraceTime (default 120 s; zero = no limit).</summary>
    public TimeSpan LoginGraceTime { get; }

    /// <summary>ClientAliveInterval (default 0 = off).</summary>
    public TimeSpan ClientAliveInterval { get; }

    /// <summary>ClientAliveCountMax (default 3).</summary>
    public int ClientAliveCountMax { get; }

    /// <summary>LogLevel, upper case: QUIET, FATAL, ERROR, INFO (default), VERBOSE, DEBUG, DEBUG1..3.</summary>
    public string LogLevel { get; }

    /// <summary>Effective cipher list after +/-/^ modifiers, in preference order.</summary>
    public IReadOnlyList<string> Ciphers { get; }

    /// <summary>Effective MAC list.</summary>
    public IReadOnlyList<string> Macs { get; }

    /// <summary>Effective key exchange list.</summary>
    public IReadOnlyList<string> KexAlgorithms { get; }

    /// <summary>Effective host key algorithm list.</summary>
    public IReadOnlyList<string> HostKeyAlgorithms { get; }

    /// <summary>PasswordFile path (sshtunneld keyword), or null. Load with <see cref="Server.Policy.PasswordFile.Load"/>.</summary>
    public string? PasswordFile { get; }

    /// <summary>
    /// Reads the configuration file, after the <c>-o</c> options (which therefore win for first-wins keywords).
    /// A missing or unreadable file is reported in <see cref="Errors"/>, never thrown.
    /// </summary>
    /// <param name="path">The sshd_config-syntax file.</param>
    /// <param name="commandLineOptions">The <c>-o</c> arguments, each <c>Keyword=value</c> or <c>Keyword value</c>.</param>
    /// <param name="commandLinePorts">The <c>-p</c> ports; when any are given, Port lines in the file are ignored (as sshd).</param>
    public static ServerConfig Parse(string path, IEnumerable<string> commandLineOptions, IEnumerable<int>? commandLinePorts = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? text = null;
        string? readError = null;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            readError = $"{path}: No such file or directory";
        }
        catch (DirectoryNotFoundException)
        {
            readError = $"{path}: No such file or directory";
        }
        catch (UnauthorizedAccessException)
        {
            readError = $"{path}: Permission denied";
        }
        catch (IOException e)
        {
            readError = $"{path}: {e.Message}";
        }
        ServerConfig config = ParseText(text ?? "", path, commandLineOptions, commandLinePorts);
        if (readError is not null) config._parser.AddError(path, 0, readError);
        return config;
    }

    /// <summary>Parses configuration text; see <see cref="Parse"/>.</summary>
    /// <param name="text">The file content.</param>
    /// <param name="fileName">Name used in messages.</param>
    /// <param name="commandLineOptions">The <c>-o</c> arguments.</param>
    /// <param name="commandLinePorts">The <c>-p</c> ports.</param>
    public static ServerConfig ParseText(string text, string fileName, IEnumerable<string>? commandLineOptions = null, IEnumerable<int>? commandLinePorts = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        List<int> ports = commandLinePorts?.ToList() ?? [];
        var parser = new ServerConfigParser(ports.Count > 0);
        parser.Global.Ports.AddRange(ports);
        foreach (string option in commandLineOptions ?? []) parser.ParseCommandLineOption(option);
        parser.ParseText(text, fileName);
        return new ServerConfig(parser, parser.Global, null);
    }

    /// <summary>
    /// The effective configuration for <paramref name="user"/>: the global values overridden by every
    /// <c>Match User</c> block that matches (among them the first value wins), as sshd applies Match after the user
    /// name is known. Only keywords allowed in Match change; <see cref="Errors"/> are shared.
    /// </summary>
    /// <remarks>
    /// Thread-safe (sessions authenticate concurrently; the parser's Match replay is not re-entrant). The result
    /// depends only on the user name and this configuration, which never changes (SIGHUP builds a new one), so it is
    /// kept per user, for up to <see cref="MaxCachedUsers"/> names.
    /// </remarks>
    public ServerConfig ForUser(string user)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_perUser)
        {
            if (_perUser.TryGetValue(user, out ServerConfig? known)) return known;
            var config = new ServerConfig(_parser, _parser.ForUser(user), user);
            if (_perUser.Count < MaxCachedUsers) _perUser.Add(user, config);
            return config;
        }
    }

    /// <summary>Most user names whose <see cref="ForUser"/> result is kept (bounds memory when clients try many names).</summary>
    internal const int MaxCachedUsers = 4096;

    /// <summary>The <c>sshd -T</c>-style dump: one lower-case keyword and its effective value per line.</summary>
    public IReadOnlyList<string> DumpLines()
    {
        var lines = new List<string>();
        void Add(string keyword, string value) => lines.Add(keyword + " " + value);
        static string YesNo(bool b) => b ? "yes" : "no";
        static string Directions(ForwardingDirections d) => d switch
        {
            ForwardingDirections.All => "yes",
            ForwardingDirections.Local => "local",
            ForwardingDirections.Remote => "remote",
            _ => "no",
        };
        foreach (int p in Ports) Add("port", p.ToString(CultureInfo.InvariantCulture));
        foreach (ListenAddressSpec a in ListenAddresses) Add("listenaddress", a.ToString());
        Add("logingracetime", ((int)LoginGraceTime.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        Add("maxauthtries", MaxAuthTries.ToString(CultureInfo.InvariantCulture));
        Add("maxsessions", MaxSessions.ToString(CultureInfo.InvariantCulture));
        Add("clientaliveinterval", ((int)ClientAliveInterval.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        Add("clientalivecountmax", ClientAliveCountMax.ToString(CultureInfo.InvariantCulture));
        Add("permitrootlogin", PermitRootLogin switch
        {
            PermitRootLogin.No => "no",
            PermitRootLogin.Yes => "yes",
            PermitRootLogin.ForcedCommandsOnly => "forced-commands-only",
            _ => "without-password",
        });
        Add("pubkeyauthentication", YesNo(PubkeyAuthentication));
        Add("passwordauthentication", YesNo(PasswordAuthentication));
        Add("kbdinteractiveauthentication", YesNo(KbdInteractiveAuthentication));
        Add("gatewayports", Forwarding.GatewayPorts switch
        {
            GatewayPortsMode.Yes => "yes",
            GatewayPortsMode.ClientSpecified => "clientspecified",
            _ => "no",
        });
        Add("allowtcpforwarding", Directions(Forwarding.AllowTcpForwarding));
        Add("disableforwarding", YesNo(Forwarding.DisableForwarding));
        Add("allowstreamlocalforwarding", Directions(Forwarding.AllowStreamLocalForwarding));
        Add("ciphers", string.Join(',', Ciphers));
        Add("macs", string.Join(',', Macs));
        Add("kexalgorithms", string.Join(',', KexAlgorithms));
        Add("hostkeyalgorithms", string.Join(',', HostKeyAlgorithms));
        Add("loglevel", LogLevel);
        Add("authorizedkeysfile", string.Join(' ', AuthorizedKeysFiles));
        foreach (string k in HostKeys) Add("hostkey", k);
        foreach (string u in AllowUsers) Add("allowusers", u);
        foreach (string u in DenyUsers) Add("denyusers", u);
        Add("maxstartups", MaxStartups.ToString());
        Add("persourcemaxstartups", PerSourceMaxStartups is int n ? n.ToString(CultureInfo.InvariantCulture) : "none");
        Add("tcpkeepalive", YesNo(TcpKeepAlive));
        Add("streamlocalbindmask", "0" + Convert.ToString(StreamLocalBindMask, 8));
        Add("streamlocalbindunlink", YesNo(StreamLocalBindUnlink));
        Add("permitopen", Forwarding.PermitOpen.ToString());
        Add("permitlisten", Forwarding.PermitListen.ToString());
        Add("passwordfile", PasswordFile ?? "none");
        return lines;
    }

    /// <summary><see cref="DumpLines"/> joined with newlines (with a trailing newline).</summary>
    public string Dump()
    {
        var sb = new StringBuilder();
        foreach (string line in DumpLines()) sb.Append(line).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// A path written as <c>./x</c> or <c>../x</c> names a file beside where sshtunneld was started (so
    /// <c>-o AuthorizedKeysFile=./keys</c> means the keys file in the current directory); any other relative path
    /// stays relative to the user's home directory, as in sshd.
    /// </summary>
    private static string ResolveFromWorkingDirectory(string path)
    {
        bool explicitlyRelative = path.StartsWith("./", StringComparison.Ordinal) || path.StartsWith("../", StringComparison.Ordinal);
        if (!explicitlyRelative) return path;
        // The result is still a %-template: escape any '%' in the directory name itself.
        string directory = Environment.CurrentDirectory.TrimEnd('/').Replace("%", "%%", StringComparison.Ordinal);
        return directory + "/" + (path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path);
    }
}
