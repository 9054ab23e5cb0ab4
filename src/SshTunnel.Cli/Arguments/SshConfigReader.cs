using System.Diagnostics;
using System.Globalization;
using SshTunnel.Forwarding;
using SshTunnel.Wire;

namespace SshTunnel.Cli.Arguments;

/// <summary>
/// Applies ssh_config(5) lines and <c>-o</c> options to an <see cref="SshOptions"/>, first value wins, as OpenSSH's
/// <c>process_config_line</c> and <c>read_config_file</c>: <c>Host</c> and <c>Match</c> blocks, <c>Include</c> (glob,
/// relative to ~/.ssh for user files and /etc/ssh for the system file), <c>Key Value</c> and <c>Key=Value</c> with
/// quoting, and OpenSSH's error texts (<c>FILE line N: …</c>). Non-fatal errors (OpenSSH's <c>error()</c> that does
/// not stop parsing) go to <see cref="Diagnostics"/>; fatal ones throw <see cref="SshConfigException"/>.
/// </summary>
internal sealed class SshConfigReader
{
    private const int MaxDepth = 16;

    /// <summary>
    /// Most files one reader opens through Include. The depth bound (16, as OpenSSH) stops recursion; this bounds the
    /// total fan-out (a glob matching thousands of files, or a tree of distinct files each including many others),
    /// which no real configuration comes near.
    /// </summary>
    private const int MaxIncludedFiles = 1024;

    private int _includedFiles;
    private const int MaxIdentityFiles = 100;

    private readonly SshOptions _options;

    public SshConfigReader(SshOptions options, SshConfigContext context)
    {
        _options = options;
        Context = context;
    }

    /// <summary>The values Host/Match/Include and % expansion look at.</summary>
    public SshConfigContext Context { get; }

    /// <summary>Messages OpenSSH prints without stopping (e.g. <c>Unsupported option</c>).</summary>
    public List<string> Diagnostics { get; } = [];

    /// <summary>Set when a <c>Match final</c> was seen: the caller should run a second, final pass.</summary>
    public bool WantFinalPass { get; private set; }

    /// <summary>Applies one <c>-o</c> option (file "command-line", line 0).</summary>
    /// <exception cref="SshConfigException">The option is invalid; ssh exits 255.</exception>
    public void ApplyCommandLineOption(string line)
    {
        bool active = true;
        var errors = new List<string>();
        if (!ProcessLine(line, "command-line", 0, ref active, userConfig: true, commandLine: true, neverMatch: false, 0, errors))
        {
            throw new SshConfigException([.. Diagnostics, .. errors], showUsage: false);
        }
    }

    /// <summary>Reads a config file. Returns false when it does not exist (OpenSSH ignores a missing default file).</summary>
    /// <exception cref="SshConfigException">Bad options (after the whole file, <c>FILE: terminating, N bad
    /// configuration options</c>), bad permissions, or too deep includes.</exception>
    public bool ReadFile(string path, bool userConfig, bool checkPermissions)
    {
        bool active = true;
        return ReadFile(path, userConfig, checkPermissions, neverMatch: false, ref active, 0);
    }

    private bool ReadFile(string path, bool userConfig, bool checkPermissions, bool neverMatch, ref bool active, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new SshConfigException("Too many recursive configuration includes");
        }

        string[] lines;
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            if (checkPermissions && !OperatingSystem.IsWindows() &&
                (File.GetUnixFileMode(path) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                throw new SshConfigException($"Bad owner or permissions on {path}");
            }

            lines = File.ReadAllText(path).Split('\n');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }

        if (lines.Length > 0 && lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }

        int bad = 0;
        var errors = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!ProcessLine(lines[i], path, i + 1, ref active, userConfig, commandLine: false, neverMatch, depth, errors))
            {
                bad++;
            }
        }

        if (bad > 0)
        {
            errors.Add($"{path}: terminating, {bad} bad configuration options");
            throw new SshConfigException([.. Diagnostics, .. errors], showUsage: false);
        }

        return true;
    }

    /// <summary>OpenSSH's process_config_line_depth. Returns false for a bad line (message added to
    /// <paramref name="errors"/>).</summary>
    private bool ProcessLine(string rawLine, string file, int lineNumber, ref bool active, bool userConfig,
        bool commandLine, bool neverMatch, int depth, List<string> errors)
    {
        string where = $"{file} line {lineNumber}";
        string line = rawLine.TrimEnd(' ', '\t', '\r', '\n', '\f');
        if (line.Length == 0)
        {
            return true;
        }

        string? rest = line;
        string? keyword = SshConfigText.StrDelim(ref rest);
        if (keyword is { Length: 0 })
        {
            keyword = SshConfigText.StrDelim(ref rest);
        }

        if (keyword is null || keyword.Length == 0 || keyword[0] == '#')
        {
            return true;
        }

        keyword = keyword.ToLowerInvariant();
        rest = rest?.TrimStart(' ', '\t', '\r', '\n');
        if (string.IsNullOrEmpty(rest))
        {
            errors.Add($"{where}: no argument after keyword \"{keyword}\"");
            return false;
        }

        SshKeyword? kw = SshKeywords.Find(keyword);
        bool ignoredUnknown = false;
        if (kw is null)
        {
            string? ignore = _options.Get("ignoreunknown");
            if (ignore is not null && SshConfigText.MatchPatternList(keyword, ignore, true) == 1)
            {
                ignoredUnknown = true;
            }
            else
            {
                errors.Add($"{file}: line {lineNumber}: Bad configuration option: {keyword}");
            }
        }

        List<string>? args = SshConfigText.ArgvSplit(rest, terminateOnComment: true);
        if (args is null)
        {
            errors.Add($"{where}: invalid quotes");
            return false;
        }

        if (kw is null)
        {
            return ignoredUnknown;
        }

        var a = new ArgReader(args);
        string? error = Apply(kw, keyword, a, rest, where, ref active, userConfig, commandLine, neverMatch, depth, errors);
        if (error is not null)
        {
            errors.Add(error);
            return false;
        }

        if (a.Remaining > 0)
        {
            errors.Add($"{where}: keyword {keyword} extra arguments at end of line");
            return false;
        }

        return true;
    }

    private sealed class ArgReader(List<string> args)
    {
        private int _index;

        public int Remaining => args.Count - _index;

        public string? Next() => _index < args.Count ? args[_index++] : null;

        public string? Peek() => _index < args.Count ? args[_index] : null;

        public void ConsumeAll() => _index = args.Count;
    }

    private string? Apply(SshKeyword kw, string keyword, ArgReader a, string rest, string where, ref bool active,
        bool userConfig, bool commandLine, bool neverMatch, int depth, List<string> errors)
    {
        string name = kw.Name;
        string? arg;
        switch (kw.Kind)
        {
            case SshKeywordKind.Ignore:
                a.ConsumeAll();
                return null;
            case SshKeywordKind.Deprecated:
                a.ConsumeAll();
                return null;
            case SshKeywordKind.Unsupported:
                Diagnostics.Add($"{where}: Unsupported option \"{keyword}\"");
                a.ConsumeAll();
                return null;

            case SshKeywordKind.MultiState:
                arg = a.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    errors.Add($"{where}: missing argument.");
                    return $"{where}: unsupported option \"{arg}\".";
                }

                foreach ((string key, string printed) in kw.States!)
                {
                    if (string.Equals(key, arg, StringComparison.OrdinalIgnoreCase))
                    {
                        if (active)
                        {
                            _options.SetIfUnset(name, printed);
                        }

                        return null;
                    }
                }

                return $"{where}: unsupported option \"{arg}\".";

            case SshKeywordKind.Time:
                arg = a.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    return $"{where}: missing time value.";
                }

                int seconds = arg == "none" ? -1 : SshConfigText.ConvTime(arg);
                if (seconds == -1 && arg != "none")
                {
                    return $"{where}: invalid time value.";
                }

                if (active && seconds != -1)
                {
                    _options.SetIfUnset(name, seconds.ToString(CultureInfo.InvariantCulture));
                }

                return null;

            case SshKeywordKind.Int:
                arg = a.Next();
                string? err = SshConfigText.AtoiError(arg, out int number);
                if (err is not null)
                {
                    return $"{where}: integer value {err}.";
                }

                if (active)
                {
                    _options.SetIfUnset(name, number.ToString(CultureInfo.InvariantCulture));
                }

                return null;

            case SshKeywordKind.String:
                arg = a.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    return $"{where}: Missing argument.";
                }

                if (active)
                {
                    _options.SetIfUnset(name, arg);
                }

                return null;

            case SshKeywordKind.Raw:
                if (a.Remaining == 0)
                {
                    return $"{where}: Missing argument.";
                }

                var raw = new List<string>();
                while (a.Next() is { } r)
                {
                    raw.Add(r);
                }

                if (active)
                {
                    _options.SetIfUnset(name, string.Join(' ', raw));
                }

                return null;

            case SshKeywordKind.Command:
            {
                string command = rest.TrimStart(' ', '\t', '\r', '\n', '=');
                if (active)
                {
                    if (name == "proxycommand")
                    {
                        if (!_options.IsSet("proxyjump"))
                        {
                            _options.SetIfUnset(name, command);
                        }
                    }
                    else
                    {
                        _options.SetIfUnset(name, command);
                    }
                }

                a.ConsumeAll();
                return null;
            }

            case SshKeywordKind.ProxyJump:
            {
                string spec = rest.TrimStart(' ', '\t', '\r', '\n', '=');
                string? jumpError = ApplyProxyJump(spec, strict: commandLine, active);
                a.ConsumeAll();
                return jumpError is null ? null : $"{where}: Invalid ProxyJump \"{spec}\"";
            }

            case SshKeywordKind.Port:
                arg = a.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    return $"{where}: Missing argument.";
                }

                if (!ForwardSpecParser.TryParsePort(arg, out int port) || port <= 0)
                {
                    return $"{where}: Bad port '{arg}'.";
                }

                if (active)
                {
                    _options.SetIfUnset(name, port.ToString(CultureInfo.InvariantCulture));
                }

                return null;

            case SshKeywordKind.Ciphers:
                return AlgorithmList(a, name, where, active, SshAlgorithmNames.Ciphers, false, "Bad SSH2 cipher spec '{0}'.");
            case SshKeywordKind.Macs:
                return AlgorithmList(a, name, where, active, SshAlgorithmNames.Macs, false, "Bad SSH2 MAC spec '{0}'.");
            case SshKeywordKind.KexAlgorithms:
                return AlgorithmList(a, name, where, active, SshAlgorithmNames.Kex, false, "Bad SSH2 KexAlgorithms '{0}'.");
            case SshKeywordKind.KeyTypes:
                return AlgorithmList(a, name, where, active, SshAlgorithmNames.KeyTypes, true, "Bad key types '{0}'.");

            case SshKeywordKind.LogLevel:
                arg = a.Next();
                string? level = SshLogLevels.Normalize(arg);
                if (level is null)
                {
                    return $"{where}: unsupported log level '{arg ?? "<NONE>"}'";
                }

                if (active)
                {
                    _options.SetIfUnset(name, level);
                }

                return null;

            case SshKeywordKind.IdentityFile:
            case SshKeywordKind.CertificateFile:
                arg = a.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    return $"{where}: Missing argument.";
                }

                if (active)
                {
                    if (_options.GetList(name).Count >= MaxIdentityFiles)
                    {
                        return kw.Kind == SshKeywordKind.IdentityFile
                            ? $"{where}: Too many identity files specified (max {MaxIdentityFiles})."
                            : $"{where}: Too many certificate files specified (max {MaxIdentityFiles}).";
                    }

                    if (!_options.GetList(name).Contains(arg))
                    {
                        _options.AddToList(name, arg);
                    }
                }

                return null;

            case SshKeywordKind.FileArray:
            {
                var files = new List<string>();
                while (a.Next() is { } f)
                {
                    if (f.Length == 0)
                    {
                        return $"{where}: keyword {keyword} empty argument";
                    }

                    if (string.Equals(f, "none", StringComparison.OrdinalIgnoreCase) && (files.Count > 0 || a.Remaining > 0))
                    {
                        return $"{where}: keyword {keyword} \"none\" argument must appear alone.";
                    }

                    files.Add(f);
                }

                if (active && files.Count > 0)
                {
                    _options.SetListIfUnset(name, files);
                }

                return null;
            }

            case SshKeywordKind.Forward:
                return ApplyForward(name, a, where, active);

            case SshKeywordKind.PermitRemoteOpen:
            {
                var opens = new List<string>();
                while (a.Next() is { } o)
                {
                    if (string.Equals(o, "none", StringComparison.OrdinalIgnoreCase) ||
                        string.Equals(o, "any", StringComparison.OrdinalIgnoreCase))
                    {
                        if (opens.Count > 0 || a.Remaining > 0)
                        {
                            return $"{where}: keyword {keyword} \"{o}\" argument must appear alone.";
                        }
                    }
                    else if (!IsValidPermitOpen(o, out string? fatal))
                    {
                        throw new SshConfigException([.. Diagnostics, .. errors, $"{where}: {fatal}"], showUsage: false);
                    }

                    opens.Add(o);
                }

                if (opens.Count == 0)
                {
                    throw new SshConfigException($"{where}: missing permitremoteopen specification");
                }

                if (active)
                {
                    _options.SetListIfUnset(name, opens);
                }

                return null;
            }

            case SshKeywordKind.Host:
            {
                if (commandLine)
                {
                    return "Host directive not supported as a command-line option";
                }

                active = false;
                while (a.Next() is { } pattern)
                {
                    if (pattern.Length == 0)
                    {
                        return $"{where}: keyword {keyword} empty argument";
                    }

                    if (neverMatch)
                    {
                        a.ConsumeAll();
                        break;
                    }

                    bool negated = pattern.StartsWith('!');
                    if (SshConfigText.MatchPattern(Context.Host, negated ? pattern.AsSpan(1) : pattern))
                    {
                        if (negated)
                        {
                            active = false;
                            a.ConsumeAll();
                            break;
                        }

                        active = true;
                    }
                }

                return null;
            }

            case SshKeywordKind.Match:
            {
                if (commandLine)
                {
                    return "Match directive not supported as a command-line option";
                }

                int result = new SshMatchEvaluator(_options, Context).Evaluate(a.Next, where, errors, out bool wantFinal);
                WantFinalPass |= wantFinal;
                if (result < 0)
                {
                    return $"{where}: Bad Match condition";
                }

                active = !neverMatch && result == 1;
                a.ConsumeAll();
                return null;
            }

            case SshKeywordKind.Include:
                if (commandLine)
                {
                    return "Include directive not supported as a command-line option";
                }

                return ApplyInclude(keyword, a, where, ref active, userConfig, neverMatch, depth);

            case SshKeywordKind.RekeyLimit:
            {
                arg = a.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    return $"{where}: Missing argument.";
                }

                long bytes = 0;
                if (arg != "default")
                {
                    if (!TryScanScaled(arg, out bytes))
                    {
                        return $"{where}: Bad number '{arg}': Invalid argument";
                    }

                    if (bytes != 0 && bytes < 16)
                    {
                        return $"{where}: RekeyLimit too small";
                    }
                }

                int interval = 0;
                if (a.Peek() is { } intervalText)
                {
                    a.Next();
                    if (intervalText != "none")
                    {
                        interval = SshConfigText.ConvTime(intervalText);
                        if (interval == -1)
                        {
                            return $"{where}: invalid time value.";
                        }
                    }
                }

                if (active)
                {
                    _options.SetIfUnset(name, string.Create(CultureInfo.InvariantCulture, $"{bytes} {interval}"));
                }

                return null;
            }

            case SshKeywordKind.StreamLocalBindMask:
            {
                arg = a.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    return $"{where}: Missing StreamLocalBindMask argument.";
                }

                int end = 0;
                long mask = 0;
                while (end < arg.Length && arg[end] is >= '0' and <= '7')
                {
                    mask = Math.Min(mask * 8 + (arg[end] - '0'), 1L << 30);
                    end++;
                }

                if (end == 0 || mask > 511)
                {
                    return $"{where}: Bad mask.";
                }

                // OpenSSH assigns this one unconditionally (last wins, even outside the active block); we keep
                // first-wins within active blocks like every other keyword.
                if (active)
                {
                    _options.SetIfUnset(name, "0" + Convert.ToString(mask, 8));
                }

                return null;
            }

            case SshKeywordKind.ForwardAgent:
            {
                arg = a.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    return $"{where}: missing argument.";
                }

                string? flag = arg.ToLowerInvariant() switch
                {
                    "yes" or "true" => "yes",
                    "no" or "false" => "no",
                    _ => null,
                };
                if (flag is null && (arg.Contains("${", StringComparison.Ordinal) || arg.StartsWith('$')) &&
                    !IsValidAgentPath(arg))
                {
                    return $"{where}: Invalid environment expansion {arg}.";
                }

                if (active)
                {
                    _options.SetIfUnset(name, flag ?? arg);
                }

                return null;
            }

            case SshKeywordKind.IdentityAgent:
                arg = a.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    return $"{where}: Missing argument.";
                }

                if (!IsValidAgentPath(arg))
                {
                    return $"{where}: Invalid environment expansion {arg}.";
                }

                if (active)
                {
                    _options.SetIfUnset(name, arg);
                }

                return null;

            case SshKeywordKind.AddKeysToAgent:
            {
                arg = a.Next();
                string? arg2 = a.Next();
                string? state = null;
                foreach ((string key, string printed) in SshKeywords.AddKeysToAgentStates)
                {
                    if (string.Equals(key, arg, StringComparison.OrdinalIgnoreCase))
                    {
                        state = printed;
                    }
                }

                string value;
                if (state == "confirm" && arg2 is not null)
                {
                    int life = SshConfigText.ConvTime(arg2);
                    if (life == -1)
                    {
                        return $"{where}: invalid time value.";
                    }

                    value = $"confirm {life}";
                }
                else if (state is null && arg2 is null)
                {
                    int life = SshConfigText.ConvTime(arg);
                    if (life == -1)
                    {
                        return $"{where}: unsupported option";
                    }

                    value = life > 0 ? life.ToString(CultureInfo.InvariantCulture) : "true";
                }
                else if (state is null || arg2 is not null)
                {
                    return $"{where}: unsupported option";
                }
                else
                {
                    value = state;
                }

                if (active)
                {
                    _options.SetIfUnset(name, value);
                }

                return null;
            }

            case SshKeywordKind.RefuseConnection:
                arg = a.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    return $"{where}: Missing argument.";
                }

                if (active)
                {
                    throw new SshConfigException($"{where}: RefuseConnection: {arg}");
                }

                return null;

            case SshKeywordKind.SendEnv:
            {
                bool found = false;
                while (a.Next() is { } env)
                {
                    if (env.Length == 0 || env.Contains('=', StringComparison.Ordinal))
                    {
                        return $"{where}: Invalid environment name.";
                    }

                    found = true;
                    if (active && !env.StartsWith('-'))
                    {
                        _options.AddToList(name, env);
                    }
                }

                if (!found)
                {
                    throw new SshConfigException($"{where}: no {keyword} specified");
                }

                return null;
            }

            default:
                a.ConsumeAll();
                return null;
        }
    }

    private string? AlgorithmList(ArgReader a, string name, string where, bool active, HashSet<string> names,
        bool patterns, string message)
    {
        string? arg = a.Next();
        if (string.IsNullOrEmpty(arg))
        {
            return $"{where}: Missing argument.";
        }

        if (!SshAlgorithmNames.IsValidList(arg, names, patterns))
        {
            return $"{where}: " + string.Format(CultureInfo.InvariantCulture, message, arg);
        }

        if (active)
        {
            _options.SetIfUnset(name, arg);
        }

        return null;
    }

    private string? ApplyForward(string name, ArgReader a, string where, bool active)
    {
        string? listen = a.Next();
        if (string.IsNullOrEmpty(listen))
        {
            return $"{where}: Missing argument.";
        }

        ForwardSpecKind kind = name switch
        {
            "localforward" => ForwardSpecKind.Local,
            "remoteforward" => ForwardSpecKind.Remote,
            _ => ForwardSpecKind.Dynamic,
        };
        string? destination = kind == ForwardSpecKind.Dynamic ? null : a.Next();
        ForwardSpec forward;
        try
        {
            forward = ForwardSpecParser.ParseConfigArguments(kind, listen, destination, Context.GetEnvironmentVariable);
        }
        catch (FormatException ex)
        {
            if (ex.InnerException is not null)
            {
                Diagnostics.AddRange(ex.InnerException.Message.Split('\n'));
            }

            return $"{where}: {ex.Message}";
        }

        if (active)
        {
            _options.AddForward(forward);
        }

        return null;
    }

    /// <summary>OpenSSH's parse_jump: "none", or a comma list of [user@]host[:port] / ssh:// URIs. The value is
    /// stored as given (first wins); ProxyJump also blocks a later ProxyCommand.</summary>
    private string? ApplyProxyJump(string spec, bool strict, bool active)
    {
        if (string.Equals(spec, "none", StringComparison.OrdinalIgnoreCase))
        {
            if (active && !_options.IsSet("proxyjump") && !_options.IsSet("proxycommand"))
            {
                _options.SetIfUnset("proxyjump", "none");
            }

            return null;
        }

        int hash = spec.IndexOf('#', StringComparison.Ordinal);
        string value = (hash >= 0 ? spec[..hash] : spec).TrimEnd();
        foreach (string hop in value.Split(','))
        {
            if (!SshDestination.TryParse(hop, allowPath: false, out SshDestination? d) ||
                (strict && (!SshDestination.IsValidHostname(d.Host) || (d.User is not null && !SshDestination.IsValidUser(d.User)))))
            {
                return "invalid";
            }
        }

        if (active && !_options.IsSet("proxyjump") && !_options.IsSet("proxycommand"))
        {
            _options.SetIfUnset("proxyjump", value);
        }

        return null;
    }

    private string? ApplyInclude(string keyword, ArgReader a, string where, ref bool active, bool userConfig,
        bool neverMatch, int depth)
    {
        while (a.Next() is { } pattern)
        {
            if (pattern.Length == 0)
            {
                return $"{where}: keyword {keyword} empty argument";
            }

            string path = Context.ExpandTokens(pattern, _options);
            if (path.StartsWith('~') && !userConfig)
            {
                return $"{where}: bad include path {path}.";
            }

            if (!Path.IsPathRooted(path) && !path.StartsWith('~'))
            {
                path = (userConfig ? "~/.ssh/" : "/etc/ssh/") + path;
            }

            path = Context.ExpandTilde(path);
            bool outerActive = active;
            foreach (string file in SshGlob.Expand(path))
            {
                if (++_includedFiles > MaxIncludedFiles)
                {
                    throw new SshConfigException($"{where}: too many configuration includes (more than {MaxIncludedFiles} files)");
                }

                bool includedActive = active;
                ReadFile(file, userConfig, checkPermissions: true, neverMatch: neverMatch || !outerActive, ref includedActive, depth + 1);

                // A Match inside an included file must not change the including file's state.
                active = outerActive;
            }
        }

        return null;
    }

    private static bool TryScanScaled(string s, out long value)
    {
        value = 0;
        int i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        if (i == 0 || !long.TryParse(s.AsSpan(0, i), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
        {
            return false;
        }

        long multiplier = s[i..].ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" => 1L << 10,
            "M" => 1L << 20,
            "G" => 1L << 30,
            "T" => 1L << 40,
            _ => -1,
        };
        if (multiplier < 0 || n > long.MaxValue / multiplier)
        {
            return false;
        }

        value = n * multiplier;
        return true;
    }

    private static bool IsValidPermitOpen(string spec, out string? fatal)
    {
        fatal = null;
        string host;
        string? port;
        if (spec.StartsWith('['))
        {
            int close = spec.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < spec.Length && spec[close + 1] != ':'))
            {
                fatal = "missing host in permitremoteopen";
                return false;
            }

            host = spec[1..close];
            port = close + 1 < spec.Length ? spec[(close + 2)..] : null;
        }
        else
        {
            int colon = spec.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? spec : spec[..colon];
            port = colon < 0 ? null : spec[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            fatal = "missing host in permitremoteopen";
            return false;
        }

        if (port is null || (port != "*" && (!ForwardSpecParser.TryParsePort(port, out int p) || p <= 0)))
        {
            fatal = "bad port number in permitremoteopen";
            return false;
        }

        return true;
    }

    private bool IsValidAgentPath(string arg)
    {
        if (arg.Contains("${", StringComparison.Ordinal))
        {
            int start = arg.IndexOf("${", StringComparison.Ordinal);
            int end = arg.IndexOf('}', start);
            if (end < 0 || end == start + 2)
            {
                return false;
            }
        }

        if (arg.Length > 1 && arg[0] == '$' && arg[1] != '{')
        {
            string envName = arg[1..];
            return envName.Length > 0 && !char.IsAsciiDigit(envName[0]) &&
                envName.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        }

        return true;
    }

    /// <summary>Runs <c>Match exec</c> commands through /bin/sh (cmd.exe on Windows).</summary>
    internal static bool RunShellCommand(string command)
    {
        var psi = OperatingSystem.IsWindows()
            ? new ProcessStartInfo("cmd.exe") { ArgumentList = { "/c", command } }
            : new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", command } };
        psi.UseShellExecute = false;
        psi.RedirectStandardInput = true;
        using Process? process = Process.Start(psi);
        if (process is null)
        {
            return false;
        }

        process.StandardInput.Close();
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
