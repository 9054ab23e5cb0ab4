using System.Globalization;

namespace SshTunnel.Daemon.Config;

/// <summary>
/// sshtunneld's command line, a subset of sshd(8)'s: <c>-f config</c>, <c>-o option</c> (repeatable), <c>-p port</c>
/// (repeatable), <c>-h hostkey</c> (repeatable), <c>-t</c> (test), <c>-T</c> (extended test: dump), <c>-C user=NAME</c>
/// (with -T: values for that user), <c>-D</c>, <c>-e</c>, <c>-d</c> (repeatable), <c>-q</c>. Options may be joined
/// (<c>-De</c>) and values attached (<c>-p2222</c>), as getopt allows.
/// </summary>
public sealed class DaemonOptions
{
    /// <summary>Default configuration file.</summary>
    public const string DefaultConfigFile = "/etc/sshtunneld/sshd_config";

    /// <summary>Usage text, printed on a command-line error.</summary>
    public const string Usage = "usage: sshtunneld [-DdeqTt] [-C connection_spec] [-f config_file] [-h host_key_file] [-o option] [-p port]";

    /// <summary>-f.</summary>
    public string ConfigFile { get; private set; } = DefaultConfigFile;

    /// <summary>True when -f named the config file.</summary>
    public bool ConfigFileGiven { get; private set; }

    /// <summary>-o values in order.</summary>
    public List<string> Options { get; } = [];

    /// <summary>-p values in order.</summary>
    public List<int> Ports { get; } = [];

    /// <summary>-h values in order (host keys added before the file's HostKey lines).</summary>
    public List<string> HostKeys { get; } = [];

    /// <summary>-t: check the configuration and exit.</summary>
    public bool Test { get; private set; }

    /// <summary>-T: check, print the effective configuration and exit.</summary>
    public bool ExtendedTest { get; private set; }

    /// <summary>The user from <c>-C user=NAME</c>, or null.</summary>
    public string? TestUser { get; private set; }

    /// <summary>-D: do not detach.</summary>
    public bool NoDetach { get; private set; }

    /// <summary>-e: log to stderr.</summary>
    public bool LogToStderr { get; private set; }

    /// <summary>Number of -d flags (debug level).</summary>
    public int DebugLevel { get; private set; }

    /// <summary>-q: quiet.</summary>
    public bool Quiet { get; private set; }

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="FormatException">Unknown option, missing value or a bad port/connection spec; the message is
    /// what sshd prints (print it and <see cref="Usage"/>, then exit 1).</exception>
    public static DaemonOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var o = new DaemonOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--") break;
            if (arg.Length < 2 || arg[0] != '-') throw new FormatException($"Extra argument {arg}.");
            for (int j = 1; j < arg.Length; j++)
            {
                char c = arg[j];
                if (c is 'f' or 'o' or 'p' or 'h' or 'C')
                {
                    string value;
                    if (j + 1 < arg.Length) value = arg[(j + 1)..];
                    else if (i + 1 < args.Count) value = args[++i];
                    else throw new FormatException($"option requires an argument -- {c}");
                    o.SetValue(c, value);
                    break;
                }
                switch (c)
                {
                    case 't': o.Test = true; break;
                    case 'T': o.ExtendedTest = true; break;
                    case 'D': o.NoDetach = true; break;
                    case 'e': o.LogToStderr = true; break;
                    case 'd': o.DebugLevel++; break;
                    case 'q': o.Quiet = true; break;
                    default: throw new FormatException($"unknown option -- {c}");
                }
            }
        }
        return o;
    }

    private void SetValue(char option, string value)
    {
        switch (option)
        {
            case 'f':
                ConfigFile = value;
                ConfigFileGiven = true;
                break;
            case 'o':
                Options.Add(value);
                break;
            case 'h':
                HostKeys.Add(value);
                break;
            case 'p':
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is <= 0 or > 65535)
                    throw new FormatException($"Bad port number {value}");
                Ports.Add(port);
                break;
            default:
                foreach (string part in value.Split(','))
                {
                    int eq = part.IndexOf('=', StringComparison.Ordinal);
                    string key = eq < 0 ? part : part[..eq];
                    if (eq < 0 || !key.Equals("user", StringComparison.OrdinalIgnoreCase) || eq == part.Length - 1)
                    {
                        throw new FormatException($"Invalid test mode specification {value} (sshtunneld supports user=NAME)");
                    }
                    TestUser = part[(eq + 1)..];
                }
                break;
        }
    }

    /// <summary>
    /// Loads the configuration these options describe: the <c>-o</c> options, then the file, with <c>-p</c> ports
    /// replacing the file's Port lines and <c>-h</c> host keys first. See <see cref="ServerConfig.Parse"/>.
    /// </summary>
    public ServerConfig LoadConfig()
    {
        IEnumerable<string> options = HostKeys.Select(h => "HostKey \"" + h.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"").Concat(Options);
        // Unlike sshd, a missing *default* config file means "all defaults", so that
        // `sshtunneld -D -e -p 2222 -o AuthorizedKeysFile=./keys` works with no set-up. An explicit -f must exist.
        if (!ConfigFileGiven && !File.Exists(ConfigFile))
        {
            return ServerConfig.ParseText("", ConfigFile, options, Ports);
        }
        return ServerConfig.Parse(ConfigFile, options, Ports);
    }

    /// <summary>
    /// Runs <c>-t</c>/<c>-T</c>: prints every error (and with -T the dump, for <see cref="TestUser"/> when given) and
    /// returns the exit status: 0 when valid, 255 when not (sshd's status; it dies through fatal()).
    /// </summary>
    /// <param name="config">The loaded configuration.</param>
    /// <param name="stdout">Where the dump goes.</param>
    /// <param name="stderr">Where errors and warnings go.</param>
    public int RunTest(ServerConfig config, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (!Quiet)
        {
            foreach (ConfigDiagnostic w in config.Warnings) stderr.WriteLine(w.Message);
        }
        foreach (ConfigDiagnostic e in config.Errors) stderr.WriteLine(e.Message);
        if (!config.IsValid) return 255;
        if (ExtendedTest) stdout.Write((TestUser is null ? config : config.ForUser(TestUser)).Dump());
        return 0;
    }
}
