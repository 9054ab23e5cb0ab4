using System.Globalization;
using System.Text;

namespace SshTunnel.Server.Policy;

/// <summary>
/// The options field of an authorized_keys line (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"), parsed as OpenSSH's
/// auth-options.c sshauthopt_parse does. Only the forwarding and access options affect this server; the rest are
/// accepted and kept.
/// </summary>
public sealed class AuthorizedKeyOptions
{
    private const int MaxPermits = 4096;
    private const int MaxEnvironment = 1024;

    /// <summary>Options of a line without options: port forwarding permitted, no restrictions.</summary>
    public static AuthorizedKeyOptions Default { get; } = new();

    /// <summary><c>restrict</c> was given.</summary>
    public bool Restrict { get; private set; }

    /// <summary><c>cert-authority</c>: the key is a CA; such an entry never authorizes a plain key.</summary>
    public bool CertAuthority { get; private set; }

    /// <summary>False after <c>no-port-forwarding</c> or <c>restrict</c> (unless <c>port-forwarding</c> follows).</summary>
    public bool PermitPortForwarding { get; private set; } = true;

    /// <summary>False after <c>no-agent-forwarding</c> or <c>restrict</c>.</summary>
    public bool PermitAgentForwarding { get; private set; } = true;

    /// <summary>False after <c>no-X11-forwarding</c> or <c>restrict</c>.</summary>
    public bool PermitX11Forwarding { get; private set; } = true;

    /// <summary>False after <c>no-pty</c> or <c>restrict</c>.</summary>
    public bool PermitPty { get; private set; } = true;

    /// <summary>False after <c>no-user-rc</c> or <c>restrict</c>.</summary>
    public bool PermitUserRc { get; private set; } = true;

    /// <summary><c>command="..."</c>, or null.</summary>
    public string? Command { get; private set; }

    /// <summary><c>principals="..."</c>, or null. On a non-CA key it denies the entry, as in sshd.</summary>
    public string? Principals { get; private set; }

    /// <summary><c>from="pattern-list"</c>, or null.</summary>
    public string? From { get; private set; }

    /// <summary><c>expiry-time="..."</c> (the earliest if repeated), or null.</summary>
    public DateTimeOffset? ExpiryTime { get; private set; }

    /// <summary><c>environment="NAME=value"</c> strings (first per name wins).</summary>
    public IReadOnlyList<string> Environment => _environment;

    /// <summary><c>permitopen="host:port"</c> entries as written.</summary>
    public IReadOnlyList<string> PermitOpenEntries => _permitOpenEntries;

    /// <summary><c>permitlisten="[host:]port"</c> entries as written.</summary>
    public IReadOnlyList<string> PermitListenEntries => _permitListenEntries;

    /// <summary>Parsed <c>permitopen=</c> rules; empty means no restriction from the key.</summary>
    public IReadOnlyList<PermitRule> PermitOpen => _permitOpen;

    /// <summary>Parsed <c>permitlisten=</c> rules; empty means no restriction from the key.</summary>
    public IReadOnlyList<PermitRule> PermitListen => _permitListen;

    /// <summary><c>tunnel="n"</c> as written, or null.</summary>
    public string? Tunnel { get; private set; }

    /// <summary><c>no-touch-required</c> was given.</summary>
    public bool NoTouchRequired { get; private set; }

    /// <summary><c>verify-required</c> was given.</summary>
    public bool VerifyRequired { get; private set; }

    private readonly List<string> _environment = [];
    private readonly List<string> _permitOpenEntries = [];
    private readonly List<string> _permitListenEntries = [];
    private readonly List<PermitRule> _permitOpen = [];
    private readonly List<PermitRule> _permitListen = [];

    /// <summary>
    /// Parses an options string (everything before the key type, without the trailing whitespace).
    /// </summary>
    /// <param name="text">Comma-separated options, e.g. <c>restrict,port-forwarding,permitopen="db:5432"</c>.</param>
    /// <param name="timeZone">Zone for expiry-time values without a <c>Z</c>/<c>UTC</c> suffix; local time when null.</param>
    /// <exception cref="FormatException">With OpenSSH's reason, e.g. "unknown key option", "missing end quote",
    /// "invalid expires time", "invalid permission hostname".</exception>
    public static AuthorizedKeyOptions Parse(string text, TimeZoneInfo? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var o = new AuthorizedKeyOptions();
        int i = 0;
        while (i < text.Length && text[i] != ' ' && text[i] != '\t')
        {
            int r;
            if ((r = Flag(text, ref i, "restrict", false)) != -1)
            {
                o.Restrict = true;
                o.PermitPortForwarding = o.PermitAgentForwarding = o.PermitX11Forwarding = o.PermitPty = o.PermitUserRc = false;
            }
            else if ((r = Flag(text, ref i, "cert-authority", false)) != -1) o.CertAuthority = r == 1;
            else if ((r = Flag(text, ref i, "port-forwarding", true)) != -1) o.PermitPortForwarding = r == 1;
            else if ((r = Flag(text, ref i, "agent-forwarding", true)) != -1) o.PermitAgentForwarding = r == 1;
            else if ((r = Flag(text, ref i, "x11-forwarding", true)) != -1) o.PermitX11Forwarding = r == 1;
            else if ((r = Flag(text, ref i, "touch-required", true)) != -1) o.NoTouchRequired = r != 1;
            else if ((r = Flag(text, ref i, "verify-required", true)) != -1) o.VerifyRequired = r == 1;
            else if ((r = Flag(text, ref i, "pty", true)) != -1) o.PermitPty = r == 1;
            else if ((r = Flag(text, ref i, "user-rc", true)) != -1) o.PermitUserRc = r == 1;
            else if (Valued(text, ref i, "command"))
            {
                if (o.Command is not null) throw new FormatException("multiple \"command\" clauses");
                o.Command = Dequote(text, ref i);
            }
            else if (Valued(text, ref i, "principals"))
            {
                if (o.Principals is not null) throw new FormatException("multiple \"principals\" clauses");
                o.Principals = Dequote(text, ref i);
            }
            else if (Valued(text, ref i, "from"))
            {
                if (o.From is not null) throw new FormatException("multiple \"from\" clauses");
                o.From = Dequote(text, ref i);
            }
            else if (Valued(text, ref i, "expiry-time"))
            {
                string value = Dequote(text, ref i);
                DateTimeOffset expiry = ParseExpiryTime(value, timeZone ?? TimeZoneInfo.Local)
                    ?? throw new FormatException("invalid expires time");
                if (o.ExpiryTime is null || expiry < o.ExpiryTime) o.ExpiryTime = expiry;
            }
            else if (Valued(text, ref i, "environment"))
            {
                if (o._environment.Count > MaxEnvironment) throw new FormatException("too many environment strings");
                string value = Dequote(text, ref i);
                int eq = value.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || !value.AsSpan(0, eq).ContainsOnlyEnvironmentNameChars())
                    throw new FormatException("invalid environment string");
                string prefix = value[..(eq + 1)];
                if (!o._environment.Any(e => e.StartsWith(prefix, StringComparison.Ordinal))) o._environment.Add(value);
            }
            else if (Valued(text, ref i, "permitopen")) o.AddPermit(Dequote(text, ref i), isListen: false);
            else if (Valued(text, ref i, "permitlisten")) o.AddPermit(Dequote(text, ref i), isListen: true);
            else if (Valued(text, ref i, "tunnel"))
            {
                string value = Dequote(text, ref i);
                if (!IsValidTunnel(value)) throw new FormatException("invalid tun device");
                o.Tunnel = value;
            }

            if (i >= text.Length || text[i] == ' ' || text[i] == '\t') break;
            if (text[i] != ',') throw new FormatException("unknown key option");
            i++;
            if (i >= text.Length) throw new FormatException("unexpected end-of-options");
        }
        return o;
    }

    private void AddPermit(string value, bool isListen)
    {
        List<PermitRule> rules = isListen ? _permitListen : _permitOpen;
        if (rules.Count > MaxPermits) throw new FormatException("too many permission directives");
        string effective = isListen && !value.Contains(':', StringComparison.Ordinal) ? "*:" + value : value;
        if (!HostPort.TrySplit(effective, out string host, out string? portText) || host.Length > HostPort.MaxHostLength)
            throw new FormatException("invalid permission hostname");
        int port = portText is null ? -1 : HostPort.ParsePermitPort(portText);
        if (port < 0) throw new FormatException("invalid permission port");
        rules.Add(new PermitRule(HostPort.CleanHostName(host), port));
        (isListen ? _permitListenEntries : _permitOpenEntries).Add(value);
    }

    /// <summary>opt_flag: matches <c>[no-]name</c> case-insensitively as a prefix; 1 = set, 0 = negated, -1 = no match.</summary>
    private static int Flag(string s, ref int i, string name, bool allowNegate)
    {
        int p = i;
        bool negate = false;
        if (allowNegate && string.Compare(s, p, "no-", 0, 3, StringComparison.OrdinalIgnoreCase) == 0)
        {
            p += 3;
            negate = true;
        }
        if (s.Length - p >= name.Length && string.Compare(s, p, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0)
        {
            i = p + name.Length;
            return negate ? 0 : 1;
        }
        return -1;
    }

    /// <summary>opt_match: <c>name=</c>, case-insensitive.</summary>
    private static bool Valued(string s, ref int i, string name)
    {
        if (s.Length - i > name.Length && string.Compare(s, i, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0
            && s[i + name.Length] == '=')
        {
            i += name.Length + 1;
            return true;
        }
        return false;
    }

    /// <summary>opt_dequote: a double-quoted string in which <c>\"</c> stands for a quote.</summary>
    private static string Dequote(string s, ref int i)
    {
        if (i >= s.Length || s[i] != '"') throw new FormatException("missing start quote");
        i++;
        var sb = new StringBuilder();
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] == '"') i++;
            sb.Append(s[i++]);
        }
        if (i >= s.Length) throw new FormatException("missing end quote");
        i++;
        return sb.ToString();
    }

    private static bool IsValidTunnel(string value)
    {
        if (value.Equals("any", StringComparison.OrdinalIgnoreCase)) return true;
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string unit = colon >= 0 ? value[..colon] : value;
        return unit.Length > 0 && unit.Length <= 9 && unit.All(char.IsAsciiDigit) && (colon < 0 || value[(colon + 1)..] is var rest && (rest.Length == 0 || rest.All(char.IsAsciiDigit) || rest.Equals("any", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>
    /// OpenSSH's parse_absolute_time: <c>YYYYMMDD</c>, <c>YYYYMMDDHHMM</c> or <c>YYYYMMDDHHMMSS</c>, in
    /// <paramref name="timeZone"/> unless suffixed by <c>Z</c> or <c>UTC</c> (case-insensitive). Null when invalid.
    /// </summary>
    internal static DateTimeOffset? ParseExpiryTime(string value, TimeZoneInfo timeZone)
    {
        bool utc = false;
        string digits = value;
        if (digits.Length > 1 && digits.EndsWith("Z", StringComparison.OrdinalIgnoreCase))
        {
            utc = true;
            digits = digits[..^1];
        }
        else if (digits.Length > 3 && digits.EndsWith("UTC", StringComparison.OrdinalIgnoreCase))
        {
            utc = true;
            digits = digits[..^3];
        }
        if (digits.Length is not (8 or 12 or 14) || !digits.All(char.IsAsciiDigit)) return null;
        int Field(int start, int length) => int.Parse(digits.AsSpan(start, length), NumberStyles.None, CultureInfo.InvariantCulture);
        int year = Field(0, 4), month = Field(4, 2), day = Field(6, 2);
        int hour = digits.Length >= 12 ? Field(8, 2) : 0;
        int minute = digits.Length >= 12 ? Field(10, 2) : 0;
        int second = digits.Length == 14 ? Field(12, 2) : 0;
        if (year < 1970 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59) return null;
        var wall = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        TimeSpan offset = utc ? TimeSpan.Zero : timeZone.GetUtcOffset(wall);
        // A wall time late on 9999-12-31 in a zone west of UTC is past DateTimeOffset's range in UTC (the constructor
        // would throw ArgumentOutOfRangeException): such a key never expires, as OpenSSH's 64-bit time_t has it.
        if (wall.Ticks - offset.Ticks > DateTime.MaxValue.Ticks) return DateTimeOffset.MaxValue;
        DateTimeOffset result = new(wall, offset);
        // OpenSSH rejects a time that is the epoch or before it (valid_before == 0 or mktime() < 0).
        return result.ToUnixTimeSeconds() <= 0 ? null : result;
    }
}

/// <summary>Helpers for environment= names (auth-options.c valid_env_name).</summary>
internal static class EnvironmentNameExtensions
{
    /// <summary>True when every character is an ASCII letter, digit or underscore.</summary>
    public static bool ContainsOnlyEnvironmentNameChars(this ReadOnlySpan<char> name)
    {
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        }
        return true;
    }
}
