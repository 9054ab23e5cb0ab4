namespace SshTunnel.Cli.Arguments;

/// <summary>
/// A parsed <c>ssh</c> command line (from <see cref="OpenSshArguments.Parse"/>). <see cref="CommandLineOptions"/>
/// holds every keyword value the command line set (flags and <c>-o</c>), which take precedence over config files;
/// <see cref="Resolve"/> merges in ssh_config for the destination and applies OpenSSH's defaults.
/// </summary>
internal sealed class ClientInvocation
{
    /// <summary>Keyword values and forwards from the command line, in OpenSSH's first-wins model.</summary>
    public SshOptions CommandLineOptions { get; } = new();

    /// <summary>The destination host as given (after <c>user@</c> / <c>ssh://</c> were removed). Empty only
    /// when <see cref="ShowVersion"/> or <see cref="Query"/> ended parsing early.</summary>
    public string Host { get; internal set; } = "";

    /// <summary>The remote command words (joined with single spaces by <see cref="CommandText"/>, as ssh does).</summary>
    public IReadOnlyList<string> Command { get; internal set; } = [];

    /// <summary>The remote command as ssh sends it, or "" for a shell.</summary>
    public string CommandText => string.Join(' ', Command);

    /// <summary><c>-F</c>: a config file, "none", or <see langword="null"/> for the defaults.</summary>
    public string? ConfigFile { get; internal set; }

    /// <summary><c>-G</c>: print the resolved configuration and exit.</summary>
    public bool ConfigTest { get; internal set; }

    /// <summary><c>-V</c>: print the version and exit 0.</summary>
    public bool ShowVersion { get; internal set; }

    /// <summary><c>-Q</c>: the query (cipher, mac, kex, key, ...); print the list and exit 0.</summary>
    public string? Query { get; internal set; }

    /// <summary><c>-E</c>: append log output to this file instead of stderr.</summary>
    public string? LogFile { get; internal set; }

    /// <summary><c>-y</c>: log to syslog.</summary>
    public bool UseSyslog { get; internal set; }

    /// <summary>Number of <c>-v</c> flags.</summary>
    public int Verbosity { get; internal set; }

    /// <summary><c>-Z</c> (OpenSSH 10.x): dump public keys.</summary>
    public bool DumpPublicKeys { get; internal set; }

    /// <summary><c>-O</c>: the multiplexing control command.</summary>
    public string? MuxCommand { get; internal set; }

    /// <summary><c>-W</c>: the stdio forwarding target.</summary>
    public SshStdioForward? StdioForward { get; internal set; }

    /// <summary>Lines ssh logs to stderr without stopping (Unsupported option, hints): written with CR LF, as ssh's log functions do.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>Lines ssh prints with plain fprintf while parsing its command line (a missing -i file, no PKCS#11): written with LF.</summary>
    public List<string> PlainWarnings { get; } = [];

    /// <summary>
    /// Reads ssh_config (<c>-F</c> file, or ~/.ssh/config then /etc/ssh/ssh_config) for <see cref="Host"/>, first
    /// value wins with the command line first, runs the <c>Match final</c> pass if asked, and fills defaults.
    /// </summary>
    /// <param name="context">Overrides for tests (home directory, local user, environment); <see langword="null"/>
    /// for the real ones.</param>
    /// <param name="systemConfigPath">The system-wide file; defaults to /etc/ssh/ssh_config.</param>
    /// <exception cref="SshConfigException">A config error (<c>FILE line N: …</c>); ssh exits 255.</exception>
    public ResolvedSshConfig Resolve(SshConfigContext? context = null, string systemConfigPath = "/etc/ssh/ssh_config")
    {
        context ??= new SshConfigContext { Host = Host, OriginalHost = Host, RemoteCommand = CommandText };
        context = new SshConfigContext
        {
            Host = Host,
            OriginalHost = Host,
            RemoteCommand = CommandText,
            LocalUser = context.LocalUser,
            HomeDirectory = context.HomeDirectory,
            GetEnvironmentVariable = context.GetEnvironmentVariable,
            RunCommand = context.RunCommand,
        };

        SshOptions options = CommandLineOptions.Clone();
        var warnings = new List<string>(); // the command line's own warnings were printed when it was parsed
        bool wantFinal = ReadConfigFiles(options, context, systemConfigPath, warnings);
        if (wantFinal)
        {
            var final = new SshConfigContext
            {
                Host = Host,
                OriginalHost = Host,
                RemoteCommand = CommandText,
                LocalUser = context.LocalUser,
                HomeDirectory = context.HomeDirectory,
                GetEnvironmentVariable = context.GetEnvironmentVariable,
                RunCommand = context.RunCommand,
                FinalPass = true,
            };
            string hostName = ExpandHostName(options.Get("hostname"), Host);
            options.Unset("hostname");
            options.SetIfUnset("hostname", hostName);
            ReadConfigFiles(options, final, systemConfigPath, warnings);
        }

        return new ResolvedSshConfig(this, options, context, warnings);
    }

    private bool ReadConfigFiles(SshOptions options, SshConfigContext context, string systemConfigPath, List<string> warnings)
    {
        var reader = new SshConfigReader(options, context);
        if (ConfigFile is not null)
        {
            if (!string.Equals(ConfigFile, "none", StringComparison.OrdinalIgnoreCase) &&
                !reader.ReadFile(context.ExpandTilde(ConfigFile), userConfig: true, checkPermissions: false))
            {
                string shown = ConfigFile.Length > 100 ? ConfigFile[..100] : ConfigFile;
                throw new SshConfigException($"Can't open user config file {shown}: No such file or directory");
            }
        }
        else
        {
            reader.ReadFile(Path.Combine(context.HomeDirectory, ".ssh", "config"), userConfig: true, checkPermissions: true);
            reader.ReadFile(systemConfigPath, userConfig: false, checkPermissions: false);
        }

        warnings.AddRange(reader.Diagnostics);
        return reader.WantFinalPass;
    }

    /// <summary>HostName with %h (and %%) expanded; the host itself when HostName is unset. Lower-cased unless an
    /// IP address, as ssh does.</summary>
    internal static string ExpandHostName(string? hostName, string host)
    {
        string result = hostName is null
            ? host
            : hostName.Replace("%%", "\0", StringComparison.Ordinal).Replace("%h", host, StringComparison.Ordinal)
                .Replace("\0", "%", StringComparison.Ordinal);
        return System.Net.IPAddress.TryParse(result, out _) ? result : result.ToLowerInvariant();
    }
}
