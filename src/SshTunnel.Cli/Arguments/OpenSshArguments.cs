using SshTunnel.Forwarding;
using SshTunnel.Wire;

namespace SshTunnel.Cli.Arguments;

/// <summary>
/// Parses ssh(1)'s command line exactly as OpenSSH's <c>main()</c>: BSD <c>getopt(3)</c> without permutation
/// (clustered flags, attached or separate values, <c>--</c>), the destination (<c>[user@]host</c> or
/// <c>ssh://[user@]host[:port]</c>), then options after the destination (getopt is run again from there), then the
/// remote command. Option values are first-wins where ssh's are (-p, -l, -o, -P); others overwrite (-4/-6, -c, -m,
/// -S, -b, -B, -F, -E). Errors throw <see cref="SshConfigException"/> with OpenSSH's text; exit code 255.
/// </summary>
internal static class OpenSshArguments
{
    /// <summary>ssh's optstring (OpenSSH 10.x).</summary>
    public const string OptString = "1246ACGKMNTVXYZafgknqstvxyB:D:E:F:I:J:L:O:P:Q:R:S:W:b:c:e:i:l:m:o:p:w:";

    private static readonly string[] s_muxCommands = ["check", "conninfo", "channels", "forward", "exit", "stop", "cancel", "proxy"];

    private static readonly string[] s_queries =
        ["cipher", "cipher-auth", "mac", "kex", "key", "key-cert", "key-plain", "key-ca-sign", "key-sig", "sig",
         "protocol-version", "compression", "help"];

    private static readonly string[] s_queryKeywords =
        ["Ciphers", "MACs", "KexAlgorithms", "CASignatureAlgorithms", "PubkeyAcceptedKeyTypes",
         "PubkeyAcceptedAlgorithms", "HostKeyAlgorithms", "HostbasedKeyTypes", "HostbasedAcceptedKeyTypes",
         "HostbasedAcceptedAlgorithms"];

    /// <summary>Parses <paramref name="args"/> (without the program name).</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="fileExists">Checks <c>-i</c> files (ssh warns and skips missing ones); defaults to File.Exists.</param>
    /// <param name="homeDirectory">For <c>~</c> in <c>-i</c>; defaults to the user profile.</param>
    /// <exception cref="SshConfigException">A syntax error: unknown option, missing value, bad port or forward...</exception>
    public static ClientInvocation Parse(IReadOnlyList<string> args, Func<string, bool>? fileExists = null, string? homeDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        fileExists ??= File.Exists;
        homeDirectory ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var inv = new ClientInvocation();
        var reader = new SshConfigReader(inv.CommandLineOptions, new SshConfigContext { Host = "", OriginalHost = "" });
        string? host = null;
        int index = 0;
        while (true)
        {
            int start = index;
            bool stop = ParseOptions(args, ref index, inv, reader, fileExists, homeDirectory);
            if (stop)
            {
                return inv; // -V or -Q: ssh acts and exits at once.
            }

            bool terminated = index > start && args[index - 1] == "--";
            if (host is null && index < args.Count)
            {
                host = ParseDestination(args[index], inv);
                if (args.Count - index > 1 && !terminated)
                {
                    index++;
                    continue;
                }

                index++;
            }

            break;
        }

        if (host is null)
        {
            throw Usage();
        }

        string? user = inv.CommandLineOptions.Get("user");
        if (user is not null && !SshDestination.IsValidUser(user))
        {
            throw new SshConfigException("remote username contains invalid characters");
        }

        if (!SshDestination.IsValidHostname(host))
        {
            throw new SshConfigException("hostname contains invalid characters");
        }

        inv.Host = host;
        inv.Command = [.. args.Skip(index)];
        if (inv.Command.Count == 0 && inv.CommandLineOptions.Get("sessiontype") == "subsystem")
        {
            throw new SshConfigException(["You must specify a subsystem to invoke."], showUsage: true) { PlainText = true };
        }

        if (inv.UseSyslog && inv.LogFile is not null)
        {
            throw new SshConfigException("Can't specify both -y and -E");
        }

        return inv;
    }

    private static SshConfigException Usage(string? line = null) =>
        new(line is null ? [] : [line], showUsage: true);

    /// <summary>One getopt run from <paramref name="index"/>; stops at the first non-option or after <c>--</c>.
    /// Returns true when ssh would exit right away (-V, -Q).</summary>
    private static bool ParseOptions(IReadOnlyList<string> args, ref int index, ClientInvocation inv,
        SshConfigReader reader, Func<string, bool> fileExists, string home)
    {
        while (index < args.Count)
        {
            string arg = args[index];
            if (arg.Length < 2 || arg[0] != '-')
            {
                return false;
            }

            if (arg == "--")
            {
                index++;
                return false;
            }

            index++;
            for (int pos = 1; pos < arg.Length; pos++)
            {
                char c = arg[pos];
                int o = c == ':' ? -1 : OptString.IndexOf(c, StringComparison.Ordinal);
                if (o < 0 || (c == '-'))
                {
                    throw Usage($"unknown option -- {c}");
                }

                string? value = null;
                if (o + 1 < OptString.Length && OptString[o + 1] == ':')
                {
                    if (pos + 1 < arg.Length)
                    {
                        value = arg[(pos + 1)..];
                    }
                    else if (index < args.Count)
                    {
                        value = args[index++];
                    }
                    else
                    {
                        throw Usage($"option requires an argument -- {c}");
                    }

                    pos = arg.Length;
                }

                if (Apply(c, value, inv, reader, fileExists, home))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool Apply(char c, string? value, ClientInvocation inv, SshConfigReader reader,
        Func<string, bool> fileExists, string home)
    {
        SshOptions o = inv.CommandLineOptions;
        switch (c)
        {
            case '1':
                throw new SshConfigException("SSH protocol v.1 is no longer supported");
            case '2':
                break;
            case '4':
                o.Set("addressfamily", "inet");
                break;
            case '6':
                o.Set("addressfamily", "inet6");
                break;
            case 'n':
                o.Set("stdinnull", "yes");
                break;
            case 'f':
                o.Set("forkafterauthentication", "yes");
                o.Set("stdinnull", "yes");
                break;
            case 'x':
                o.Set("forwardx11", "no");
                break;
            case 'X':
                o.Set("forwardx11", "yes");
                break;
            case 'Y':
                o.Set("forwardx11", "yes");
                o.Set("forwardx11trusted", "yes");
                break;
            case 'y':
                inv.UseSyslog = true;
                break;
            case 'E':
                inv.LogFile = value;
                break;
            case 'G':
                inv.ConfigTest = true;
                break;
            case 'Z':
                inv.DumpPublicKeys = true;
                break;
            case 'g':
                o.Set("gatewayports", "yes");
                break;
            case 'O':
                if (inv.StdioForward is not null)
                {
                    throw new SshConfigException("Cannot specify multiplexing command with -W");
                }

                if (inv.MuxCommand is not null)
                {
                    throw new SshConfigException("Multiplexing command already specified");
                }

                if (!s_muxCommands.Contains(value, StringComparer.Ordinal))
                {
                    throw new SshConfigException("Invalid multiplex command.");
                }

                inv.MuxCommand = value;
                break;
            case 'P':
                o.SetIfUnset("tag", value!);
                break;
            case 'Q':
                if (!s_queries.Contains(value, StringComparer.Ordinal) &&
                    !s_queryKeywords.Contains(value, StringComparer.OrdinalIgnoreCase))
                {
                    throw new SshConfigException($"Unsupported query \"{value}\"");
                }

                inv.Query = value;
                return true;
            case 'a':
                o.Set("forwardagent", "no");
                break;
            case 'A':
                o.Set("forwardagent", "yes");
                break;
            case 'k':
                o.Set("gssapidelegatecredentials", "no");
                break;
            case 'K':
                o.Set("gssapiauthentication", "yes");
                o.Set("gssapidelegatecredentials", "yes");
                break;
            case 'i':
            {
                string path = value == "~" ? home : value!.StartsWith("~/", StringComparison.Ordinal) ? home + value[1..] : value;
                if (!fileExists(path))
                {
                    inv.PlainWarnings.Add($"Warning: Identity file {path} not accessible: No such file or directory.");
                }
                else if (!o.GetList("identityfile").Contains(path))
                {
                    o.AddToList("identityfile", path);
                }

                break;
            }

            case 'I':
                inv.PlainWarnings.Add("no support for PKCS#11.");
                break;
            case 'J':
                if (o.IsSet("proxyjump"))
                {
                    throw new SshConfigException("Only a single -J option is permitted (use commas to separate multiple jump hops)");
                }

                if (o.IsSet("proxycommand"))
                {
                    throw new SshConfigException("Cannot specify -J with ProxyCommand");
                }

                try
                {
                    reader.ApplyCommandLineOption("ProxyJump=" + value);
                }
                catch (SshConfigException)
                {
                    throw new SshConfigException("Invalid -J argument");
                }

                break;
            case 't':
                o.Set("requesttty", o.Get("requesttty") == "true" ? "force" : "true");
                break;
            case 'v':
                inv.Verbosity++;
                if (inv.Verbosity == 1)
                {
                    o.Set("loglevel", "DEBUG");
                }
                else
                {
                    int level = Array.IndexOf(SshLogLevels.Ordered, o.Get("loglevel"));
                    if (level >= 0 && level < SshLogLevels.Ordered.Length - 1)
                    {
                        o.Set("loglevel", SshLogLevels.Ordered[level + 1]);
                    }
                }

                break;
            case 'V':
                inv.ShowVersion = true;
                return true;
            case 'w':
                if (!IsValidTunnelDevice(value!))
                {
                    throw new SshConfigException($"Bad tun device '{value}'") { PlainText = true };
                }

                o.SetIfUnset("tunnel", "true");
                o.Set("tunneldevice", value!.Contains(':', StringComparison.Ordinal) ? value : value + ":any");
                break;
            case 'W':
                if (inv.StdioForward is not null)
                {
                    throw new SshConfigException("stdio forward already specified");
                }

                if (inv.MuxCommand is not null)
                {
                    throw new SshConfigException("Cannot specify stdio forward with -O");
                }

                try
                {
                    ForwardSpec w = ForwardSpecParser.ParseDynamic(value!);
                    inv.StdioForward = new SshStdioForward(w.ListenHost, w.ListenPort, w.ListenPath);
                }
                catch (FormatException ex)
                {
                    throw ForwardError(ex, $"Bad stdio forwarding specification '{value}'");
                }

                o.Set("requesttty", "false");
                o.Set("sessiontype", "none");
                break;
            case 'q':
                o.Set("loglevel", "QUIET");
                break;
            case 'e':
                if (value!.Length == 2 && value[0] == '^' && value[1] >= 64 && value[1] < 128)
                {
                    o.Set("escapechar", value);
                }
                else if (value.Length == 1 || value == "none")
                {
                    o.Set("escapechar", value);
                }
                else
                {
                    throw new SshConfigException($"Bad escape character '{value}'.") { PlainText = true };
                }

                break;
            case 'c':
                if (!SshAlgorithmNames.IsValidList(value!, SshAlgorithmNames.Ciphers, false) || value!.StartsWith('-'))
                {
                    throw new SshConfigException($"Unknown cipher type '{value}'") { PlainText = true };
                }

                o.Set("ciphers", value);
                break;
            case 'm':
                if (value!.StartsWith('+') || value.StartsWith('^') || value.StartsWith('-') ||
                    !SshAlgorithmNames.IsValidList(value, SshAlgorithmNames.Macs, false))
                {
                    throw new SshConfigException($"Unknown mac type '{value}'") { PlainText = true };
                }

                o.Set("macs", value);
                break;
            case 'M':
                o.Set("controlmaster", o.Get("controlmaster") == "true" ? "ask" : "true");
                break;
            case 'p':
                if (!o.IsSet("port"))
                {
                    if (!ForwardSpecParser.TryParsePort(value!, out int port) || port <= 0)
                    {
                        throw new SshConfigException($"Bad port '{value}'") { PlainText = true };
                    }

                    o.SetIfUnset("port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                break;
            case 'l':
                o.SetIfUnset("user", value!);
                break;
            case 'L':
                AddForward(inv, value!, ForwardSpecKind.Local, "Bad local forwarding specification");
                break;
            case 'R':
                AddForward(inv, value!, ForwardSpecKind.Remote, "Bad remote forwarding specification");
                break;
            case 'D':
                AddForward(inv, value!, ForwardSpecKind.Dynamic, "Bad dynamic forwarding specification");
                break;
            case 'C':
                o.Set("compression", "yes");
                break;
            case 'N':
                if (o.Get("sessiontype") is { } st && st != "none")
                {
                    throw new SshConfigException("Cannot specify -N with -s/SessionType");
                }

                o.Set("sessiontype", "none");
                o.Set("requesttty", "false");
                break;
            case 'T':
                o.Set("requesttty", "false");
                break;
            case 'o':
                reader.ApplyCommandLineOption(value!);
                inv.Warnings.AddRange(reader.Diagnostics);
                reader.Diagnostics.Clear();
                break;
            case 's':
                if (o.Get("sessiontype") is { } st2 && st2 != "subsystem")
                {
                    throw new SshConfigException("Cannot specify -s with -N/SessionType");
                }

                o.Set("sessiontype", "subsystem");
                break;
            case 'S':
                o.Set("controlpath", value!);
                break;
            case 'b':
                o.Set("bindaddress", value!);
                break;
            case 'B':
                o.Set("bindinterface", value!);
                break;
            case 'F':
                inv.ConfigFile = value;
                break;
        }

        return false;
    }

    private static void AddForward(ClientInvocation inv, string value, ForwardSpecKind kind, string message)
    {
        ForwardSpec forward;
        try
        {
            forward = kind switch
            {
                ForwardSpecKind.Local => ForwardSpecParser.ParseLocal(value),
                ForwardSpecKind.Remote => ForwardSpecParser.ParseRemote(value),
                _ => ForwardSpecParser.ParseDynamic(value),
            };
        }
        catch (FormatException ex)
        {
            SshConfigException error = ForwardError(ex, $"{message} '{value}'");
            if (kind != ForwardSpecKind.Remote && ForwardSpecParser.IsLegacySlashSyntax(value))
            {
                throw new SshConfigException(
                    [.. error.Lines, "hint: the [bind/]port/host/hostport form is obsolete; use [bind:]port:host:hostport with [brackets] around IPv6 addresses"],
                    showUsage: false) { PlainText = true };
            }

            throw error;
        }

        if (kind == ForwardSpecKind.Remote && ForwardSpecParser.IsLegacySlashSyntax(value))
        {
            inv.Warnings.Add($"Warning: -R {value} is read as a reverse dynamic forward on the remote socket path '{value}' " +
                "(the slash form is obsolete; use port:host:hostport)");
        }

        inv.CommandLineOptions.AddForward(forward);
    }

    private static SshConfigException ForwardError(FormatException ex, string line) =>
        new(ex.InnerException is null ? [line] : [.. ex.InnerException.Message.Split('\n'), line], showUsage: false) { PlainText = true };

    private static string ParseDestination(string text, ClientInvocation inv)
    {
        SshOptions o = inv.CommandLineOptions;
        switch (SshDestination.ParseDestinationUri(text, out SshDestination? uri))
        {
            case -1:
                throw Usage();
            case 0:
                if (uri!.User is not null)
                {
                    o.SetIfUnset("user", uri.User);
                }

                if (uri.Port is { } port)
                {
                    o.SetIfUnset("port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                return uri.Host;
            default:
                int at = text.LastIndexOf('@');
                if (at < 0)
                {
                    return text;
                }

                if (at == 0)
                {
                    throw Usage();
                }

                o.SetIfUnset("user", text[..at]);
                return text[(at + 1)..];
        }
    }

    /// <summary>OpenSSH's a2tun with a remote part: "any" or 0..2147483645, optionally ":any|N".</summary>
    private static bool IsValidTunnelDevice(string s)
    {
        static bool One(string t) =>
            t == "any" || (SshConfigText.AtoiError(t, out int v) is null && v <= 0x7ffffffd);
        int colon = s.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? One(s) : One(s[..colon]) && One(s[(colon + 1)..]);
    }
}
