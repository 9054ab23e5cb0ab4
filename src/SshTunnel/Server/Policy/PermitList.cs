namespace SshTunnel.Server.Policy;

/// <summary>
/// One permission of PermitOpen/PermitListen or permitopen=/permitlisten=: a host (brackets removed) and a port,
/// where port <see cref="AnyPort"/> (0) stands for <c>*</c>.
/// </summary>
/// <param name="Host">Host as written, brackets removed. For PermitOpen, <c>*</c> means any host; for PermitListen it is a wildcard pattern.</param>
/// <param name="Port">1..65535, or <see cref="AnyPort"/> for <c>*</c>.</param>
public readonly record struct PermitRule(string Host, int Port)
{
    /// <summary>The port value that stands for <c>*</c>.</summary>
    public const int AnyPort = HostPort.AnyPort;

    /// <summary>
    /// PermitOpen/permitopen= matching (channels.c open_match): the port is equal or <c>*</c>, and the host is <c>*</c>
    /// or byte-for-byte equal to the requested host string (case-sensitive, no DNS), as sshd does.
    /// </summary>
    public bool MatchesOpen(string host, uint port) =>
        (Port == AnyPort || (uint)Port == port) && (Host == "*" || string.Equals(Host, host, StringComparison.Ordinal));

    /// <summary>
    /// PermitListen/permitlisten= matching (channels.c remote_open_match): the port is equal or <c>*</c>, and the
    /// requested listen host, lower-cased, matches this rule's host as a wildcard pattern.
    /// </summary>
    public bool MatchesListen(string listenHost, uint port) =>
        (Port == AnyPort || (uint)Port == port) && SshPattern.Match(SshPattern.AsciiLower(listenHost), Host);

    /// <summary>
    /// Parses one <c>host:port</c> (or for listen rules also a bare <c>port</c>, meaning <c>*:port</c>) as sshd does.
    /// Returns null and sets <paramref name="error"/> to sshd's wording ("missing host" / "bad port number") on failure.
    /// </summary>
    /// <param name="text">The entry, e.g. <c>example.com:443</c>, <c>[::1]:22</c>, <c>*:*</c>, <c>8080</c>.</param>
    /// <param name="isListen">True for PermitListen/permitlisten=, which accept a bare port.</param>
    /// <param name="error">Reason for failure.</param>
    public static PermitRule? TryParse(string text, bool isListen, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = null;
        if (isListen && !text.Contains(':', StringComparison.Ordinal)) text = "*:" + text;
        if (!HostPort.TrySplit(text, out string host, out string? portText))
        {
            error = "missing host";
            return null;
        }
        host = HostPort.CleanHostName(host);
        if (host.Length > HostPort.MaxHostLength)
        {
            error = "missing host";
            return null;
        }
        int port = portText is null ? -1 : HostPort.ParsePermitPort(portText);
        if (port < 0)
        {
            error = "bad port number";
            return null;
        }
        return new PermitRule(host, port);
    }
}

/// <summary>
/// The value of PermitOpen or PermitListen in sshd_config: <c>any</c> (the default), <c>none</c>, or a list of
/// <see cref="PermitRule"/>s. <see cref="Entries"/> keeps the text as written for <c>sshd -T</c>-style output.
/// </summary>
public sealed class PermitList
{
    private PermitList(bool isAny, bool isNone, IReadOnlyList<PermitRule> rules, IReadOnlyList<string> entries)
    {
        IsAny = isAny;
        IsNone = isNone;
        Rules = rules;
        Entries = entries;
    }

    /// <summary>Everything is permitted (the default).</summary>
    public static PermitList Any { get; } = new(true, false, [], ["any"]);

    /// <summary>Nothing is permitted.</summary>
    public static PermitList None { get; } = new(false, true, [], ["none"]);

    /// <summary>True for <c>any</c>.</summary>
    public bool IsAny { get; }

    /// <summary>True for <c>none</c>.</summary>
    public bool IsNone { get; }

    /// <summary>The parsed rules (empty for any/none).</summary>
    public IReadOnlyList<PermitRule> Rules { get; }

    /// <summary>The entries as written (bare listen ports become <c>*:port</c>, as sshd -T prints them).</summary>
    public IReadOnlyList<string> Entries { get; }

    /// <summary>
    /// Parses the arguments of one PermitOpen/PermitListen line as sshd 9.x does: <c>any</c> or <c>none</c> (lower
    /// case) as the first argument must be the only one; elsewhere they are ordinary (invalid) host entries.
    /// </summary>
    /// <param name="arguments">The line's arguments.</param>
    /// <param name="isListen">True for PermitListen.</param>
    /// <exception cref="FormatException">With sshd's wording after the keyword: "missing argument.", "missing host",
    /// "bad port number", or "extra arguments at end of line".</exception>
    public static PermitList Parse(IReadOnlyList<string> arguments, bool isListen)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Count == 0) throw new FormatException("missing argument.");
        if (arguments[0] is "any" or "none")
        {
            if (arguments.Count > 1) throw new FormatException("extra arguments at end of line");
            return arguments[0] == "any" ? Any : None;
        }
        var rules = new List<PermitRule>();
        var entries = new List<string>();
        foreach (string arg in arguments)
        {
            PermitRule? rule = PermitRule.TryParse(arg, isListen, out string? error) ?? throw new FormatException(error);
            rules.Add(rule.Value);
            entries.Add(isListen && !arg.Contains(':', StringComparison.Ordinal) ? "*:" + arg : arg);
        }
        return new PermitList(false, false, rules, entries);
    }

    /// <summary>Whether a direct-tcpip open to <paramref name="host"/>:<paramref name="port"/> is allowed by this list.</summary>
    public bool AllowsOpen(string host, uint port) => IsAny || (!IsNone && Rules.Any(r => r.MatchesOpen(host, port)));

    /// <summary>Whether a tcpip-forward on <paramref name="listenHost"/>:<paramref name="port"/> is allowed by this list.</summary>
    public bool AllowsListen(string listenHost, uint port) => IsAny || (!IsNone && Rules.Any(r => r.MatchesListen(listenHost, port)));

    /// <inheritdoc/>
    public override string ToString() => string.Join(' ', Entries);
}
