namespace SshTunnel.Server.Policy;

/// <summary>Result of matching a string against an OpenSSH pattern-list.</summary>
public enum PatternMatch
{
    /// <summary>A negated sub-pattern (<c>!pattern</c>) matched; the list rejects the string.</summary>
    NegatedMatch = -1,

    /// <summary>No sub-pattern matched.</summary>
    NoMatch = 0,

    /// <summary>A positive sub-pattern matched and no negated one did.</summary>
    Match = 1,
}

/// <summary>
/// OpenSSH's wildcard patterns (ssh_config(5)/sshd_config(5) "PATTERNS"): <c>*</c> matches any run of characters,
/// <c>?</c> exactly one; a pattern-list is comma-separated and a sub-pattern prefixed by <c>!</c> negates.
/// Same semantics as OpenSSH's match.c (match_pattern, match_pattern_list, match_hostname, match_user).
/// </summary>
public static class SshPattern
{
    /// <summary>Longest sub-pattern OpenSSH accepts; a longer one never matches (match.c uses a 1024-byte buffer).</summary>
    private const int MaxSubPatternLength = 1023;

    /// <summary>Matches <paramref name="value"/> against one wildcard pattern (case-sensitive, ordinal).</summary>
    /// <remarks>Linear-time glob with one backtrack point, so hostile patterns cannot make it slow.</remarks>
    public static bool Match(ReadOnlySpan<char> value, ReadOnlySpan<char> pattern)
    {
        int v = 0, p = 0, starP = -1, starV = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = ++p;
                starV = v;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == value[v]))
            {
                p++;
                v++;
            }
            else if (starP >= 0)
            {
                p = starP;
                v = ++starV;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>
    /// Matches <paramref name="value"/> against a comma-separated pattern-list (match_pattern_list). A negated match wins
    /// over any positive one. With <paramref name="lowercasePatterns"/> the patterns are lower-cased (ASCII) first.
    /// </summary>
    public static PatternMatch MatchList(string value, string patternList, bool lowercasePatterns = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(patternList);
        bool positive = false;
        foreach (string raw in patternList.Split(','))
        {
            bool negated = raw.StartsWith('!');
            string sub = negated ? raw[1..] : raw;
            if (sub.Length > MaxSubPatternLength) return PatternMatch.NoMatch;
            if (lowercasePatterns) sub = AsciiLower(sub);
            if (Match(value, sub))
            {
                if (negated) return PatternMatch.NegatedMatch;
                positive = true;
            }
        }
        return positive ? PatternMatch.Match : PatternMatch.NoMatch;
    }

    /// <summary>Matches a host name, case-insensitively (ASCII), against a pattern-list (match_hostname).</summary>
    public static PatternMatch MatchHostname(string host, string patternList) =>
        MatchList(AsciiLower(host), patternList, lowercasePatterns: true);

    /// <summary>
    /// OpenSSH's match_host_and_ip: true when the address (CIDR or wildcard entries) or the host name matches
    /// positively and neither matches negatively. <paramref name="invalid"/> is set when the list holds a malformed
    /// CIDR entry (OpenSSH then denies).
    /// </summary>
    /// <param name="host">The client's host name; with <c>UseDNS no</c> this is its address string.</param>
    /// <param name="address">The client's address as a string (e.g. "192.0.2.7", "::1").</param>
    /// <param name="patternList">Comma-separated host/address patterns, <c>!</c> negates, CIDR allowed.</param>
    /// <param name="invalid">Set when the pattern-list contains an invalid address entry.</param>
    public static bool MatchHostAndAddress(string? host, string? address, string patternList, out bool invalid)
    {
        ArgumentNullException.ThrowIfNull(patternList);
        invalid = false;
        int ip = AddressPattern.MatchList(address, patternList);
        if (ip == AddressPattern.Invalid)
        {
            invalid = true;
            return false;
        }
        if (host is null || address is null || ip == AddressPattern.Negated) return false;
        PatternMatch name = MatchHostname(host, patternList);
        if (name == PatternMatch.NegatedMatch) return false;
        return name == PatternMatch.Match || ip == AddressPattern.Matched;
    }

    /// <summary>
    /// Matches one AllowUsers/DenyUsers entry (match_user): <c>userpattern</c> or <c>userpattern@hostpatterns</c>,
    /// where the host part is checked with <see cref="MatchHostAndAddress"/>.
    /// </summary>
    public static bool MatchUser(string user, string? host, string? address, string pattern)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(pattern);
        int at = pattern.IndexOf('@', StringComparison.Ordinal);
        if (at < 0) return Match(user, pattern);
        if (!Match(user, pattern.AsSpan(0, at))) return false;
        return MatchHostAndAddress(host, address, pattern[(at + 1)..], out _);
    }

    /// <summary>Checks an AllowUsers/DenyUsers entry: false when its <c>@host</c> part holds an invalid address entry.</summary>
    public static bool IsValidUserPattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length == 0) return false;
        int at = pattern.IndexOf('@', StringComparison.Ordinal);
        return at < 0 || AddressPattern.MatchList(null, pattern[(at + 1)..]) != AddressPattern.Invalid;
    }

    /// <summary>Lower-cases ASCII letters only, as OpenSSH's tolower() in the C locale.</summary>
    internal static string AsciiLower(string s)
    {
        foreach (char c in s)
        {
            if (c is >= 'A' and <= 'Z') return string.Create(s.Length, s, static (span, src) =>
            {
                for (int i = 0; i < src.Length; i++)
                {
                    char ch = src[i];
                    span[i] = ch is >= 'A' and <= 'Z' ? (char)(ch + 32) : ch;
                }
            });
        }
        return s;
    }
}
