using System.Globalization;
using SshTunnel.Server.Policy;

namespace SshTunnel.Daemon.Config;

/// <summary>
/// Reads sshd_config-syntax lines with sshd's semantics (servconf.c): first value wins for single-valued keywords,
/// some keywords accumulate (Port, ListenAddress, HostKey, AllowUsers, DenyUsers), <c>-o</c> options are read before
/// the file, and Match blocks are validated at load time and applied per user later. Every problem is collected with
/// sshd's wording instead of stopping at the first.
/// </summary>
internal sealed class ServerConfigParser
{
    /// <summary>File name sshd uses for <c>-o</c> options.</summary>
    public const string CommandLineFile = "command-line";

    private static readonly string[] s_logLevels = ["QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3"];

    private readonly List<ConfigDiagnostic> _errors = [];
    private readonly List<ConfigDiagnostic> _warnings = [];
    private List<ConfigDiagnostic>? _errorSink;

    public ServerConfigParser(bool portsFromCommandLine) => PortsFromCommandLine = portsFromCommandLine;

    /// <summary>A line stored from a Match block, re-applied for each user the block matches.</summary>
    internal sealed record StoredLine(string File, int Line, string Keyword, ConfigKeywords.Info Info, List<string> Arguments);

    /// <summary>One Match block: all its User pattern-lists must match.</summary>
    internal sealed class MatchBlock(List<string> userPatterns)
    {
        public List<string> UserPatterns { get; } = userPatterns;
        public List<StoredLine> Lines { get; } = [];

        public bool Matches(string user) => UserPatterns.All(p => SshPattern.MatchList(user, p) == PatternMatch.Match);
    }

    public bool PortsFromCommandLine { get; }
    public RawSettings Global { get; } = new();
    public List<MatchBlock> Blocks { get; } = [];
    public IReadOnlyList<ConfigDiagnostic> Errors => _errors;
    public IReadOnlyList<ConfigDiagnostic> Warnings => _warnings;

    public void AddError(string file, int line, string message) => _errors.Add(new ConfigDiagnostic(file, line, message));

    /// <summary>Processes one <c>-o keyword=value</c> option.</summary>
    public void ParseCommandLineOption(string option)
    {
        MatchBlock? none = null;
        ProcessLine(CommandLineFile, 0, option, ref none, commandLine: true);
    }

    /// <summary>Processes a whole file's text.</summary>
    public void ParseText(string text, string fileName)
    {
        MatchBlock? current = null;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            ProcessLine(fileName, i + 1, lines[i], ref current, commandLine: false);
        }
    }

    /// <summary>Settings of <paramref name="user"/>: global values overridden by matching Match blocks (first wins among them).</summary>
    public RawSettings ForUser(string user)
    {
        var match = new RawSettings();
        _errorSink = [];
        foreach (MatchBlock block in Blocks.Where(b => b.Matches(user)))
        {
            foreach (StoredLine l in block.Lines) Apply(match, l.File, l.Line, l.Keyword, l.Info, l.Arguments, commandLine: false);
        }
        _errorSink = null;
        RawSettings result = Global.Clone();
        result.OverrideWith(match);
        return result;
    }

    private void ProcessLine(string file, int lineNumber, string line, ref MatchBlock? current, bool commandLine)
    {
        ConfigLineTokenizer.Result split = ConfigLineTokenizer.Split(line, out string keyword, out List<string> args, out string rest);
        switch (split)
        {
            case ConfigLineTokenizer.Result.Empty:
                return;
            case ConfigLineTokenizer.Result.NoArgument:
                Error(file, lineNumber, $"no argument after keyword \"{keyword}\"");
                return;
        }
        ConfigKeywords.Info? info = ConfigKeywords.Find(keyword);
        if (info is null)
        {
            _errors.Add(new ConfigDiagnostic(file, lineNumber, $"{file}: line {lineNumber}: Bad configuration option: {keyword}"));
            return;
        }
        if (split == ConfigLineTokenizer.Result.InvalidQuotes)
        {
            Error(file, lineNumber, "invalid quotes");
            return;
        }
        if (info.Name == "match")
        {
            if (commandLine)
            {
                _errors.Add(new ConfigDiagnostic(file, lineNumber, "Match directive not supported as a command-line option"));
                return;
            }
            current = ParseMatch(file, lineNumber, args, out bool ok);
            if (ok && current is not null) Blocks.Add(current);
            else if (!ok) current = new MatchBlock(["\0never"]); // keep later lines inside the (broken) block
            return;
        }
        if (current is null)
        {
            Apply(Global, file, lineNumber, keyword, info, args, commandLine);
            return;
        }
        if (!info.InMatch)
        {
            Error(file, lineNumber, $"Directive '{keyword}' is not allowed within a Match block");
            return;
        }
        int before = _errors.Count;
        Apply(new RawSettings(), file, lineNumber, keyword, info, args, commandLine);
        if (_errors.Count == before && info.Kind == ConfigKeywords.Kind.Supported)
        {
            current.Lines.Add(new StoredLine(file, lineNumber, keyword, info, args));
        }
    }

    /// <summary>match_cfg_line for the criteria sshtunneld supports: <c>All</c> and <c>User</c>.</summary>
    private MatchBlock? ParseMatch(string file, int lineNumber, List<string> args, out bool ok)
    {
        ok = false;
        var users = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string attribute = args[i];
            if (attribute.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                if (i > 0 || args.Count > 1)
                {
                    _errors.Add(new ConfigDiagnostic(file, lineNumber, "'all' cannot be combined with other Match attributes"));
                    Error(file, lineNumber, "Bad Match condition");
                    return null;
                }
                ok = true;
                return null; // "Match all" returns to the global context.
            }
            if (i + 1 >= args.Count || args[i + 1].Length == 0)
            {
                _errors.Add(new ConfigDiagnostic(file, lineNumber, $"Missing Match criteria for {attribute}"));
                Error(file, lineNumber, "Bad Match condition");
                return null;
            }
            string value = args[++i];
            if (attribute.Equals("user", StringComparison.OrdinalIgnoreCase))
            {
                users.Add(value);
                continue;
            }
            string known = attribute.ToLowerInvariant() is "group" or "host" or "address" or "localaddress" or "localport" or "rdomain"
                ? $"Unsupported Match attribute {attribute} (sshtunneld supports User and All)"
                : $"Unsupported Match attribute {attribute}";
            _errors.Add(new ConfigDiagnostic(file, lineNumber, known));
            Error(file, lineNumber, "Bad Match condition");
            return null;
        }
        if (users.Count == 0)
        {
            Error(file, lineNumber, "Bad Match condition");
            return null;
        }
        ok = true;
        return new MatchBlock(users);
    }

    private void Error(string file, int line, string message)
    {
        var d = new ConfigDiagnostic(file, line, $"{file} line {line}: {message}");
        (_errorSink ?? _errors).Add(d);
    }

    /// <summary>Validates one keyword line and stores its value in <paramref name="s"/> (first wins).</summary>
    private void Apply(RawSettings s, string file, int line, string keyword, ConfigKeywords.Info info, List<string> args, bool commandLine)
    {
        int index = 0;
        string? Next() => index < args.Count ? args[index++] : null;
        void Fail(string message) => Error(file, line, message);

        switch (info.Kind)
        {
            case ConfigKeywords.Kind.Silent:
                return;
            case ConfigKeywords.Kind.Deprecated:
                if (_errorSink is null) _warnings.Add(new ConfigDiagnostic(file, line, $"{file} line {line}: Deprecated option {keyword}"));
                return;
            case ConfigKeywords.Kind.Ignored:
                if (_errorSink is null) _warnings.Add(new ConfigDiagnostic(file, line, $"{file} line {line}: Unsupported option {keyword}"));
                return;
            case ConfigKeywords.Kind.Refused:
                Fail($"Unsupported option {keyword} (sshtunneld does not implement it; remove it or the restriction it expresses would be lost)");
                return;
        }

        switch (info.Name)
        {
            case "port":
                {
                    if (PortsFromCommandLine && !commandLine) return;
                    string? arg = Next();
                    if (string.IsNullOrEmpty(arg)) { Fail("missing port number."); return; }
                    int port = HostPort.ParsePort(arg);
                    if (port <= 0) { Fail("Badly formatted port number."); return; }
                    s.Ports.Add(port);
                    break;
                }
            case "listenaddress":
                {
                    string? arg = Next();
                    if (string.IsNullOrEmpty(arg)) { Fail("missing address"); return; }
                    string host;
                    int port = 0;
                    int firstColon = arg.IndexOf(':', StringComparison.Ordinal);
                    if (!arg.Contains('[', StringComparison.Ordinal) && firstColon >= 0 && arg.IndexOf(':', firstColon + 1) >= 0)
                    {
                        host = arg;
                    }
                    else
                    {
                        if (!HostPort.TrySplit(arg, out string h, out string? portText)) { Fail("bad address:port usage"); return; }
                        host = HostPort.CleanHostName(h);
                        if (portText is not null && (port = HostPort.ParsePort(portText)) <= 0) { Fail("bad port number"); return; }
                    }
                    string? extra = Next();
                    if (extra is not null)
                    {
                        if (extra != "rdomain" || Next() is null) Fail("bad ListenAddress syntax");
                        else Fail("setting RDomain not supported by sshtunneld");
                        return;
                    }
                    s.ListenAddresses.Add(new ListenAddressSpec(host, port));
                    break;
                }
            case "hostkey":
                {
                    string? arg = Next();
                    if (string.IsNullOrEmpty(arg)) { Fail("missing file name."); return; }
                    s.HostKeys.Add(arg);
                    break;
                }
            case "passwordfile":
                {
                    string? arg = Next();
                    if (string.IsNullOrEmpty(arg)) { Fail("missing file name."); return; }
                    s.PasswordFile ??= arg;
                    break;
                }
            case "logingracetime":
            case "clientaliveinterval":
                {
                    string? arg = Next();
                    if (string.IsNullOrEmpty(arg)) { Fail("missing time value."); return; }
                    int? seconds = TimeValue.ParseSeconds(arg);
                    if (seconds is null) { Fail("invalid time value."); return; }
                    if (info.Name == "logingracetime") s.LoginGraceTime ??= seconds;
                    else s.ClientAliveInterval ??= seconds;
                    break;
                }
            case "maxauthtries":
            case "maxsessions":
            case "clientalivecountmax":
                {
                    string? error = ParseInt(Next(), out int value);
                    if (error is not null) { Fail($"{keyword} integer value {error}."); return; }
                    if (info.Name == "maxauthtries") s.MaxAuthTries ??= value;
                    else if (info.Name == "maxsessions") s.MaxSessions ??= value;
                    else s.ClientAliveCountMax ??= value;
                    break;
                }
            case "tcpkeepalive":
            case "streamlocalbindunlink":
                {
                    bool? value = ParseMultistate(Next(), Fail, ("yes", true), ("no", false));
                    if (value is null) return;
                    if (info.Name == "tcpkeepalive") s.TcpKeepAlive ??= value;
                    else s.StreamLocalBindUnlink ??= value;
                    break;
                }
            case "streamlocalbindmask":
                {
                    // servconf.c: strtol(arg, &p, 8); "Invalid StreamLocalBindMask." unless a whole octal 0..0777.
                    string? arg = Next();
                    if (string.IsNullOrEmpty(arg)) { Fail($"{keyword} missing argument."); return; }
                    int mask = 0;
                    bool valid = arg.Length <= 12 && arg.All(c => c is >= '0' and <= '7');
                    if (valid)
                    {
                        foreach (char c in arg) mask = (mask * 8) + (c - '0');
                        valid = mask <= 0x1FF;
                    }
                    if (!valid) { Fail($"Invalid {keyword}."); return; }
                    s.StreamLocalBindMask ??= mask;
                    break;
                }
            case "persourcemaxstartups":
                {
                    string? arg = Next();
                    if (string.IsNullOrEmpty(arg)) { Fail($"{keyword} missing argument."); return; }
                    int value = int.MaxValue;
                    if (arg != "none")
                    {
                        string? error = ParseInt(arg, out value);
                        if (error is not null) { Fail($"{keyword} integer value {error}."); return; }
                    }
                    s.PerSourceMaxStartups ??= value;
                    break;
                }
            case "pubkeyauthentication":
            case "passwordauthentication":
            case "kbdinteractiveauthentication":
            case "disableforwarding":
                {
                    bool? value = ParseMultistate(Next(), Fail, ("yes", true), ("no", false));
                    if (value is null) return;
                    switch (info.Name)
                    {
                        case "pubkeyauthentication": s.PubkeyAuthentication ??= value; break;
                        case "passwordauthentication": s.PasswordAuthentication ??= value; break;
                        case "kbdinteractiveauthentication": s.KbdInteractiveAuthentication ??= value; break;
                        default: s.DisableForwarding ??= value; break;
                    }
                    break;
                }
            case "permitrootlogin":
                {
                    PermitRootLogin? value = ParseMultistate<PermitRootLogin>(Next(), Fail,
                        ("without-password", PermitRootLogin.ProhibitPassword), ("prohibit-password", PermitRootLogin.ProhibitPassword),
                        ("forced-commands-only", PermitRootLogin.ForcedCommandsOnly), ("yes", PermitRootLogin.Yes), ("no", PermitRootLogin.No));
                    if (value is null) return;
                    s.PermitRootLogin ??= value;
                    break;
                }
            case "allowtcpforwarding":
            case "allowstreamlocalforwarding":
                {
                    ForwardingDirections? value = ParseMultistate<ForwardingDirections>(Next(), Fail,
                        ("yes", ForwardingDirections.All), ("all", ForwardingDirections.All), ("no", ForwardingDirections.None),
                        ("local", ForwardingDirections.Local), ("remote", ForwardingDirections.Remote));
                    if (value is null) return;
                    if (info.Name == "allowtcpforwarding") s.AllowTcpForwarding ??= value;
                    else s.AllowStreamLocalForwarding ??= value;
                    break;
                }
            case "gatewayports":
                {
                    GatewayPortsMode? value = ParseMultistate<GatewayPortsMode>(Next(), Fail,
                        ("clientspecified", GatewayPortsMode.ClientSpecified), ("yes", GatewayPortsMode.Yes), ("no", GatewayPortsMode.No));
                    if (value is null) return;
                    s.GatewayPorts ??= value;
                    break;
                }
            case "allowusers":
            case "denyusers":
                {
                    bool found = false;
                    for (string? arg = Next(); arg is not null; arg = Next())
                    {
                        if (!SshPattern.IsValidUserPattern(arg)) { Fail($"invalid {keyword} pattern: \"{arg}\""); return; }
                        found = true;
                        (info.Name == "allowusers" ? s.AllowUsers : s.DenyUsers).Add(arg);
                    }
                    if (!found) { Fail($"no {keyword} specified"); return; }
                    break;
                }
            case "authorizedkeysfile":
                {
                    var files = new List<string>();
                    for (string? arg = Next(); arg is not null; arg = Next())
                    {
                        if (arg.Length == 0) { Fail($"keyword {keyword} empty argument"); return; }
                        files.Add(arg);
                    }
                    s.AuthorizedKeysFiles ??= files;
                    break;
                }
            case "permitopen":
            case "permitlisten":
                {
                    var values = new List<string>();
                    for (string? arg = Next(); arg is not null; arg = Next()) values.Add(arg);
                    PermitList list;
                    try
                    {
                        list = PermitList.Parse(values, isListen: info.Name == "permitlisten");
                    }
                    catch (FormatException e)
                    {
                        string message = e.Message.StartsWith("extra", StringComparison.Ordinal)
                            ? $"keyword {keyword} {e.Message}"
                            : $"{keyword} {e.Message}";
                        Fail(message);
                        return;
                    }
                    if (info.Name == "permitopen") s.PermitOpen ??= list;
                    else s.PermitListen ??= list;
                    break;
                }
            case "maxstartups":
                {
                    string? arg = Next();
                    if (string.IsNullOrEmpty(arg)) { Fail($"{keyword} missing argument."); return; }
                    MaxStartupsSpec? spec = ParseMaxStartups(arg);
                    if (spec is null) { Fail($"Invalid {keyword} spec."); return; }
                    s.MaxStartups ??= spec;
                    break;
                }
            case "loglevel":
                {
                    string? arg = Next();
                    string? level = arg is null ? null : s_logLevels.FirstOrDefault(l => l.Equals(arg, StringComparison.OrdinalIgnoreCase));
                    if (level is null) { Fail($"unsupported log level '{arg ?? "<NONE>"}'"); return; }
                    s.LogLevel ??= level;
                    break;
                }
            case "ciphers":
            case "macs":
            case "kexalgorithms":
                {
                    string? arg = Next();
                    if (string.IsNullOrEmpty(arg)) { Fail($"{keyword} missing argument."); return; }
                    (IReadOnlyList<string> supported, string bad) = info.Name switch
                    {
                        "ciphers" => (AlgorithmLists.SupportedCiphers, $"Bad SSH2 cipher spec '{arg}'."),
                        "macs" => (AlgorithmLists.SupportedMacs, $"Bad SSH2 mac spec '{arg}'."),
                        _ => (AlgorithmLists.SupportedKexAlgorithms, $"Bad SSH2 KexAlgorithms '{arg}'."),
                    };
                    IReadOnlyList<string> defaults = info.Name switch
                    {
                        "ciphers" => AlgorithmLists.DefaultCiphers,
                        "macs" => AlgorithmLists.DefaultMacs,
                        _ => AlgorithmLists.DefaultKexAlgorithms,
                    };
                    if (!AlgorithmLists.IsValidSpec(arg, supported, allowWildcards: false) || AlgorithmLists.Assemble(arg, defaults, supported) is null)
                    {
                        Fail(bad);
                        return;
                    }
                    if (info.Name == "ciphers") s.Ciphers ??= arg;
                    else if (info.Name == "macs") s.Macs ??= arg;
                    else s.KexAlgorithms ??= arg;
                    break;
                }
            case "hostkeyalgorithms":
                {
                    string? arg = Next();
                    if (string.IsNullOrEmpty(arg)) { Fail("Missing argument."); return; }
                    if (!AlgorithmLists.IsValidSpec(arg, AlgorithmLists.SupportedHostKeyAlgorithms, allowWildcards: true)
                        || AlgorithmLists.Assemble(arg, AlgorithmLists.DefaultHostKeyAlgorithms, AlgorithmLists.SupportedHostKeyAlgorithms) is null)
                    {
                        Fail($"Bad key types '{arg}'.");
                        return;
                    }
                    s.HostKeyAlgorithms ??= arg;
                    break;
                }
            default:
                Fail($"Missing handler for opcode {keyword}");
                return;
        }
        if (index < args.Count) Fail($"keyword {keyword} extra arguments at end of line");
    }

    /// <summary>atoi_err: a decimal 0..int.MaxValue; returns "missing", "invalid", "too small" or "too large".</summary>
    private static string? ParseInt(string? text, out int value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text)) return "missing";
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite, CultureInfo.InvariantCulture, out long number))
        {
            string t = text.TrimStart();
            bool digits = t.Length > 0 && (char.IsAsciiDigit(t[0]) || t[0] is '-' or '+') && t.Skip(1).All(char.IsAsciiDigit) && t.Any(char.IsAsciiDigit);
            return digits ? (t[0] == '-' ? "too small" : "too large") : "invalid";
        }
        if (number < 0) return "too small";
        if (number > int.MaxValue) return "too large";
        value = (int)number;
        return null;
    }

    /// <summary>parse_multistate: case-insensitive choice; "missing argument." / "unsupported option \"x\".".</summary>
    private static T? ParseMultistate<T>(string? arg, Action<string> fail, params (string Key, T Value)[] choices) where T : struct
    {
        if (string.IsNullOrEmpty(arg))
        {
            fail("missing argument.");
            return null;
        }
        foreach ((string key, T value) in choices)
        {
            if (key.Equals(arg, StringComparison.OrdinalIgnoreCase)) return value;
        }
        fail($"unsupported option \"{arg}\".");
        return null;
    }

    /// <summary>MaxStartups: <c>start:rate:full</c> (start ≤ full, 1 ≤ rate ≤ 100) or a single positive number.</summary>
    private static MaxStartupsSpec? ParseMaxStartups(string text)
    {
        string[] parts = text.Split(':');
        var numbers = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numbers[i])) return null;
        }
        if (parts.Length == 1)
        {
            return numbers[0] > 0 ? new MaxStartupsSpec(numbers[0], 30, numbers[0]) : null;
        }
        if (parts.Length != 3) return null;
        (int start, int rate, int full) = (numbers[0], numbers[1], numbers[2]);
        if (start > full || rate > 100 || rate < 1 || start <= 0 || full <= 0) return null;
        return new MaxStartupsSpec(start, rate, full);
    }
}
