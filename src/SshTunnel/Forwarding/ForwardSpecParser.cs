using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SshTunnel.Forwarding;

/// <summary>
/// Parses OpenSSH forwarding specifications (<c>-L</c>, <c>-R</c>, <c>-D</c> and the <c>LocalForward</c>,
/// <c>RemoteForward</c>, <c>DynamicForward</c> config keywords) exactly as OpenSSH's <c>parse_forward</c> and
/// <c>parse_fwd_field</c> do, including their quirks: <c>${NAME}</c> environment expansion first, bracketed
/// fields, backslash escapes, any <c>/</c> marking a Unix-socket path, at most four fields, and ports given as
/// numbers or TCP service names. See ssh(1) and docs FORWARDING-CLI.md §2–§4.
/// </summary>
public static class ForwardSpecParser
{
    /// <summary>OpenSSH's <c>NI_MAXHOST</c>: host strings must be shorter than this many bytes.</summary>
    public const int MaxHostLength = 1025;

    private const int PortStreamLocal = -2;

    /// <summary>
    /// <c>sizeof(sun_path)</c> on this platform (108 on Linux and Windows, 104 on macOS and the BSDs): Unix-socket
    /// paths must be shorter than this many bytes.
    /// </summary>
    public static int MaxUnixPathLength { get; } =
        OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() || OperatingSystem.IsIOS() ? 104 : 108;

    /// <summary>Parses a <c>-L</c> argument, expanding <c>${NAME}</c> from the process environment.</summary>
    /// <param name="spec">The argument, e.g. <c>127.0.0.1:8080:server2:80</c>.</param>
    /// <returns>A forward of kind <see cref="ForwardSpecKind.Local"/>.</returns>
    /// <exception cref="FormatException">The spec is invalid. The message is OpenSSH's line, e.g.
    /// <c>Bad local forwarding specification '0:h:80'</c>; when an environment reference could not be expanded the
    /// <see cref="Exception.InnerException"/> is a <see cref="FormatException"/> holding OpenSSH's preceding
    /// line(s), e.g. <c>vdollar_percent_expand: env var ${NAME} has no value</c>.</exception>
    public static ForwardSpec ParseLocal(string spec) => ParseLocal(spec, null);

    /// <inheritdoc cref="ParseLocal(string)"/>
    /// <param name="spec">The argument.</param>
    /// <param name="environment">Looks up environment variables; <see langword="null"/> for the process environment.</param>
    public static ForwardSpec ParseLocal(string spec, Func<string, string?>? environment) =>
        Parse(ForwardSpecKind.Local, spec, environment, "Bad local forwarding specification");

    /// <summary>Parses a <c>-R</c> argument: first as a static forward, then as a reverse dynamic one, as OpenSSH
    /// does. Listen port 0 is allowed (the server allocates one).</summary>
    /// <param name="spec">The argument, e.g. <c>0:localhost:22</c> or <c>1080</c>.</param>
    /// <returns>A forward of kind <see cref="ForwardSpecKind.Remote"/>.</returns>
    /// <exception cref="FormatException">As for <see cref="ParseLocal(string)"/>, with
    /// <c>Bad remote forwarding specification '…'</c>.</exception>
    public static ForwardSpec ParseRemote(string spec) => ParseRemote(spec, null);

    /// <inheritdoc cref="ParseRemote(string)"/>
    /// <param name="spec">The argument.</param>
    /// <param name="environment">Looks up environment variables; <see langword="null"/> for the process environment.</param>
    public static ForwardSpec ParseRemote(string spec, Func<string, string?>? environment) =>
        Parse(ForwardSpecKind.Remote, spec, environment, "Bad remote forwarding specification");

    /// <summary>Parses a <c>-D</c> argument (<c>[bind:]port</c>, or a Unix-socket path). As in OpenSSH,
    /// <c>port:/path</c> and <c>/path:/path</c> are accepted and yield a <see cref="ForwardSpecKind.Local"/> forward.</summary>
    /// <param name="spec">The argument, e.g. <c>1080</c> or <c>localhost:1080</c>.</param>
    /// <returns>A <see cref="ForwardSpecKind.Dynamic"/> forward (or a local one, see above).</returns>
    /// <exception cref="FormatException">As for <see cref="ParseLocal(string)"/>, with
    /// <c>Bad dynamic forwarding specification '…'</c>.</exception>
    public static ForwardSpec ParseDynamic(string spec) => ParseDynamic(spec, null);

    /// <inheritdoc cref="ParseDynamic(string)"/>
    /// <param name="spec">The argument.</param>
    /// <param name="environment">Looks up environment variables; <see langword="null"/> for the process environment.</param>
    public static ForwardSpec ParseDynamic(string spec, Func<string, string?>? environment) =>
        Parse(ForwardSpecKind.Dynamic, spec, environment, "Bad dynamic forwarding specification");

    /// <summary>Non-throwing <see cref="ParseLocal(string)"/>.</summary>
    /// <param name="spec">The argument.</param>
    /// <param name="forward">The forward, or <see langword="null"/> when invalid.</param>
    /// <returns>Whether the spec is valid.</returns>
    public static bool TryParseLocal(string spec, [NotNullWhen(true)] out ForwardSpec? forward) =>
        (forward = TryParse(ForwardSpecKind.Local, spec, null, null)) is not null;

    /// <summary>Non-throwing <see cref="ParseRemote(string)"/>.</summary>
    /// <param name="spec">The argument.</param>
    /// <param name="forward">The forward, or <see langword="null"/> when invalid.</param>
    /// <returns>Whether the spec is valid.</returns>
    public static bool TryParseRemote(string spec, [NotNullWhen(true)] out ForwardSpec? forward) =>
        (forward = TryParse(ForwardSpecKind.Remote, spec, null, null)) is not null;

    /// <summary>Non-throwing <see cref="ParseDynamic(string)"/>.</summary>
    /// <param name="spec">The argument.</param>
    /// <param name="forward">The forward, or <see langword="null"/> when invalid.</param>
    /// <returns>Whether the spec is valid.</returns>
    public static bool TryParseDynamic(string spec, [NotNullWhen(true)] out ForwardSpec? forward) =>
        (forward = TryParse(ForwardSpecKind.Dynamic, spec, null, null)) is not null;

    /// <summary>
    /// Parses the config-file form: <c>LocalForward LISTEN DEST</c>, <c>RemoteForward LISTEN [DEST]</c> (no
    /// destination: reverse dynamic) or <c>DynamicForward LISTEN</c>. LISTEN and DEST are joined with <c>:</c> and
    /// parsed as on the command line. This also parses the pieces of <see cref="ForwardSpec.ToString"/> back.
    /// </summary>
    /// <param name="kind">The keyword.</param>
    /// <param name="listen">The first argument.</param>
    /// <param name="destination">The second argument, or <see langword="null"/>/empty when absent (ignored for
    /// <see cref="ForwardSpecKind.Dynamic"/>).</param>
    /// <param name="environment">Looks up environment variables; <see langword="null"/> for the process environment.</param>
    /// <returns>The forward.</returns>
    /// <exception cref="FormatException">OpenSSH's config message without the <c>FILE line N: </c> prefix:
    /// <c>Missing argument.</c>, <c>Missing target argument.</c> or <c>Bad forwarding specification.</c>.</exception>
    public static ForwardSpec ParseConfigArguments(
        ForwardSpecKind kind, string listen, string? destination, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(listen);
        if (listen.Length == 0)
        {
            throw new FormatException("Missing argument.");
        }

        bool dynamic = kind == ForwardSpecKind.Dynamic;
        string joined = listen;
        if (!dynamic)
        {
            if (string.IsNullOrEmpty(destination))
            {
                if (kind != ForwardSpecKind.Remote)
                {
                    throw new FormatException("Missing target argument.");
                }

                dynamic = true;
            }
            else
            {
                joined = listen + ":" + destination;
            }
        }

        var diagnostics = new List<string>();
        RawForward? raw = ParseForward(joined, dynamic, kind == ForwardSpecKind.Remote, environment, diagnostics);
        if (raw is null)
        {
            throw new FormatException("Bad forwarding specification.", Diagnostics(diagnostics));
        }

        return raw.Value.ToSpec(kind);
    }

    /// <summary>
    /// OpenSSH's <c>a2port</c>: a decimal number from 0 to 65535 (C <c>strtonum</c> rules: leading white space and a
    /// sign are allowed), or a TCP service name known to <c>/etc/services</c> (case-sensitive).
    /// </summary>
    /// <param name="text">The port text.</param>
    /// <param name="port">The port, or -1 when invalid.</param>
    /// <returns>Whether <paramref name="text"/> is a valid port.</returns>
    public static bool TryParsePort(string text, out int port)
    {
        ArgumentNullException.ThrowIfNull(text);
        port = ToPort(text);
        return port >= 0;
    }

    /// <summary>
    /// Whether <paramref name="spec"/> looks like the pre-6.7 slash syntax <c>[bind/]port/host/hostport</c>, which
    /// OpenSSH now reads as a Unix-socket path (rejected for <c>-L</c>/<c>-D</c>, silently a reverse dynamic forward
    /// on a socket path for <c>-R</c>). Lets a caller print a hint to use brackets instead.
    /// </summary>
    /// <param name="spec">The argument as given.</param>
    /// <returns><see langword="true"/> for specs such as <c>8080/127.0.0.1/80</c>.</returns>
    public static bool IsLegacySlashSyntax(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Contains(':', StringComparison.Ordinal) || spec.StartsWith('/'))
        {
            return false;
        }

        string[] parts = spec.Split('/');
        return parts.Length is 3 or 4 &&
            Array.TrueForAll(parts, p => p.Length > 0) &&
            ToPort(parts[^3]) >= 0 && ToPort(parts[^1]) > 0;
    }

    private static ForwardSpec Parse(ForwardSpecKind kind, string spec, Func<string, string?>? environment, string message)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var diagnostics = new List<string>();
        return TryParse(kind, spec, environment, diagnostics)
            ?? throw new FormatException($"{message} '{spec}'", Diagnostics(diagnostics));
    }

    private static FormatException? Diagnostics(List<string> diagnostics) =>
        diagnostics.Count == 0 ? null : new FormatException(string.Join('\n', diagnostics));

    private static ForwardSpec? TryParse(
        ForwardSpecKind kind, string spec, Func<string, string?>? environment, List<string>? diagnostics)
    {
        ArgumentNullException.ThrowIfNull(spec);
        RawForward? raw = kind switch
        {
            ForwardSpecKind.Local => ParseForward(spec, false, false, environment, diagnostics),
            ForwardSpecKind.Remote => ParseForward(spec, false, true, environment, diagnostics)
                ?? ParseForward(spec, true, true, environment, diagnostics),
            _ => ParseForward(spec, true, false, environment, diagnostics),
        };
        return raw?.ToSpec(kind);
    }

    /// <summary>OpenSSH's <c>struct Forward</c> before it becomes a <see cref="ForwardSpec"/>.</summary>
    private readonly record struct RawForward(
        string? ListenHost, int ListenPort, string? ListenPath, string? ConnectHost, int ConnectPort, string? ConnectPath)
    {
        public ForwardSpec ToSpec(ForwardSpecKind kind)
        {
            bool socks = ConnectPath is null && ConnectHost == "socks" && ConnectPort == 0;
            ForwardSpecKind resultKind = kind == ForwardSpecKind.Dynamic && !socks ? ForwardSpecKind.Local : kind;
            return new ForwardSpec
            {
                Kind = resultKind,
                ListenHost = ListenPath is null ? ListenHost : null,
                ListenPort = ListenPath is null ? ListenPort : 0,
                ListenPath = ListenPath,
                ConnectHost = socks ? null : ConnectHost,
                ConnectPort = ConnectPath is null ? ConnectPort : 0,
                ConnectPath = ConnectPath,
            };
        }
    }

    private readonly record struct Field(string Text, bool IsPath);

    /// <summary>OpenSSH's <c>parse_forward</c>; <see langword="null"/> where it returns 0.</summary>
    private static RawForward? ParseForward(
        string spec, bool dynamic, bool remote, Func<string, string?>? environment, List<string>? diagnostics)
    {
        string? expanded = ExpandEnvironment(spec, environment ?? Environment.GetEnvironmentVariable, diagnostics);
        if (expanded is null)
        {
            return null;
        }

        int position = 0;
        while (position < expanded.Length && IsCSpace(expanded[position]))
        {
            position++;
        }

        var fields = new Field[4];
        int count = 0;
        bool atEnd = false;
        for (; count < 4; count++)
        {
            if (!TryParseField(expanded, ref position, ref atEnd, out fields[count]))
            {
                break;
            }
        }

        // Trailing garbage: parse_fwd_field stopped before the end of the string.
        if (!atEnd && position < expanded.Length)
        {
            return null;
        }

        string? listenHost = null, listenPath = null, connectHost = null, connectPath = null;
        int listenPort, connectPort = 0;
        switch (count)
        {
            case 1:
                if (fields[0].IsPath)
                {
                    listenPath = fields[0].Text;
                    listenPort = PortStreamLocal;
                }
                else
                {
                    listenPort = ToPort(fields[0].Text);
                }

                connectHost = "socks";
                break;
            case 2:
                if (fields[0].IsPath && fields[1].IsPath)
                {
                    listenPath = fields[0].Text;
                    listenPort = PortStreamLocal;
                    connectPath = fields[1].Text;
                    connectPort = PortStreamLocal;
                }
                else if (fields[1].IsPath)
                {
                    listenPort = ToPort(fields[0].Text);
                    connectPath = fields[1].Text;
                    connectPort = PortStreamLocal;
                }
                else
                {
                    listenHost = fields[0].Text;
                    listenPort = ToPort(fields[1].Text);
                    connectHost = "socks";
                }

                break;
            case 3:
                if (fields[0].IsPath)
                {
                    listenPath = fields[0].Text;
                    listenPort = PortStreamLocal;
                    connectHost = fields[1].Text;
                    connectPort = ToPort(fields[2].Text);
                }
                else if (fields[2].IsPath)
                {
                    listenHost = fields[0].Text;
                    listenPort = ToPort(fields[1].Text);
                    connectPath = fields[2].Text;
                    connectPort = PortStreamLocal;
                }
                else
                {
                    listenPort = ToPort(fields[0].Text);
                    connectHost = fields[1].Text;
                    connectPort = ToPort(fields[2].Text);
                }

                break;
            case 4:
                listenHost = fields[0].Text;
                listenPort = ToPort(fields[1].Text);
                connectHost = fields[2].Text;
                connectPort = ToPort(fields[3].Text);
                break;
            default:
                return null;
        }

        if (dynamic)
        {
            if (count is not (1 or 2))
            {
                return null;
            }
        }
        else
        {
            if (count is not (3 or 4) && connectPath is null && listenPath is null)
            {
                return null;
            }

            if (connectPort <= 0 && connectPath is null)
            {
                return null;
            }
        }

        if ((listenPort < 0 && listenPath is null) || (!remote && listenPort == 0))
        {
            return null;
        }

        if (TooLong(connectHost, MaxHostLength) || TooLong(connectPath, MaxUnixPathLength) ||
            TooLong(listenHost, MaxHostLength) || TooLong(listenPath, MaxUnixPathLength))
        {
            return null;
        }

        return new RawForward(listenHost, listenPort, listenPath, connectHost, connectPort, connectPath);
    }

    private static bool TooLong(string? value, int limit) =>
        value is not null && Encoding.UTF8.GetByteCount(value) >= limit;

    /// <summary>OpenSSH's <c>parse_fwd_field</c>. Returns false where it returns -1; <paramref name="atEnd"/> mirrors
    /// its setting <c>*p = NULL</c>.</summary>
    private static bool TryParseField(string s, ref int position, ref bool atEnd, out Field field)
    {
        field = default;
        if (atEnd || position >= s.Length)
        {
            atEnd = true;
            return false;
        }

        bool isPath = false;
        if (s[position] == '[')
        {
            int end = position + 1;
            for (; end < s.Length && s[end] != ']'; end++)
            {
                if (s[end] == '/')
                {
                    isPath = true;
                }
            }

            if (end >= s.Length || (end + 1 < s.Length && s[end + 1] != ':'))
            {
                return false;
            }

            field = new Field(s[(position + 1)..end], isPath);
            position = Math.Min(end + 2, s.Length);
            return true;
        }

        var text = new StringBuilder();
        int i = position;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\')
            {
                if (i + 1 >= s.Length)
                {
                    return false;
                }

                text.Append(s[++i]);
                continue;
            }

            if (c == ':')
            {
                field = new Field(text.ToString(), isPath);
                position = i + 1;
                return true;
            }

            if (c == '/')
            {
                isPath = true;
            }

            text.Append(c);
        }

        field = new Field(text.ToString(), isPath);
        position = s.Length;
        return true;
    }

    /// <summary>OpenSSH's <c>a2port</c>: 0..65535 or a TCP service name; -1 when invalid.</summary>
    internal static int ToPort(string s)
    {
        int i = 0;
        while (i < s.Length && IsCSpace(s[i]))
        {
            i++;
        }

        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }

        int digitsStart = i;
        long value = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            value = Math.Min(value * 10 + (s[i] - '0'), 1L << 40);
            i++;
        }

        if (i > digitsStart && i == s.Length)
        {
            if (negative)
            {
                value = -value;
            }

            if (value is >= 0 and <= 65535)
            {
                return (int)value;
            }
        }

        return ForwardSpecServices.TryGetPort(s, out int port) ? port : -1;
    }

    /// <summary>C <c>isspace</c> in the C locale.</summary>
    internal static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    /// <summary>
    /// OpenSSH's <c>dollar_expand</c>: replaces every <c>${NAME}</c>. Returns <see langword="null"/> on error, after
    /// adding OpenSSH's messages to <paramref name="diagnostics"/>.
    /// </summary>
    private static string? ExpandEnvironment(string s, Func<string, string?> environment, List<string>? diagnostics)
    {
        if (!s.Contains("${", StringComparison.Ordinal))
        {
            return s;
        }

        var result = new StringBuilder(s.Length);
        bool missing = false;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '$' && i + 1 < s.Length && s[i + 1] == '{')
            {
                int start = i + 2;
                int end = s.IndexOf('}', start);
                if (end < 0)
                {
                    diagnostics?.Add($"vdollar_percent_expand: environment variable '{s[start..]}' missing closing '}}'");
                    return null;
                }

                if (end == start)
                {
                    diagnostics?.Add("vdollar_percent_expand: zero-length environment variable");
                    return null;
                }

                string name = s[start..end];
                string? value = environment(name);
                if (value is null)
                {
                    diagnostics?.Add($"vdollar_percent_expand: env var ${{{name}}} has no value");
                    missing = true;
                }
                else
                {
                    result.Append(value);
                }

                i = end;
                continue;
            }

            result.Append(s[i]);
        }

        return missing ? null : result.ToString();
    }
}
