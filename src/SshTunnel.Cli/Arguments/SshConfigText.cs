using System.Globalization;
using System.Text;

namespace SshTunnel.Cli.Arguments;

/// <summary>OpenSSH's text helpers for ssh_config lines and <c>-o</c> values: strdelim, argv_split, convtime,
/// strtonum, and the pattern matchers of match.c.</summary>
internal static class SshConfigText
{
    private const string Whitespace = " \t\r\n";
    private static readonly System.Buffers.SearchValues<char> s_delimiters = System.Buffers.SearchValues.Create(" \t\r\n\"=");

    /// <summary>
    /// OpenSSH's <c>strdelim</c> with <c>=</c> splitting: returns the next token and advances
    /// <paramref name="rest"/> past the delimiter (one <c>=</c> and surrounding white space). <paramref name="rest"/>
    /// becomes <see langword="null"/> at the end of the string. Returns <see langword="null"/> on an unmatched quote.
    /// </summary>
    public static string? StrDelim(ref string? rest)
    {
        if (rest is null)
        {
            return null;
        }

        string s = rest;
        int i = s.AsSpan().IndexOfAny(s_delimiters);
        if (i < 0)
        {
            rest = null;
            return s;
        }

        if (s[i] == '"')
        {
            string unquoted = s.Remove(i, 1);
            int close = unquoted.IndexOf('"', i);
            if (close < 0)
            {
                rest = null;
                return null;
            }

            string token = unquoted[..close];
            int next = close + 1;
            while (next < unquoted.Length && Whitespace.Contains(unquoted[next], StringComparison.Ordinal))
            {
                next++;
            }

            rest = unquoted[next..];
            return token;
        }

        bool sawEquals = s[i] == '=';
        string result = s[..i];
        int j = i + 1;
        while (j < s.Length && Whitespace.Contains(s[j], StringComparison.Ordinal))
        {
            j++;
        }

        if (!sawEquals && j < s.Length && s[j] == '=')
        {
            j++;
            while (j < s.Length && Whitespace.Contains(s[j], StringComparison.Ordinal))
            {
                j++;
            }
        }

        rest = s[j..];
        return result;
    }

    /// <summary>OpenSSH's <c>argv_split</c>: white-space separated words with <c>'</c>/<c>"</c> quoting and
    /// <c>\</c> escapes; stops at an unquoted <c>#</c> word when <paramref name="terminateOnComment"/>.
    /// Returns <see langword="null"/> on an unterminated quote.</summary>
    public static List<string>? ArgvSplit(string s, bool terminateOnComment)
    {
        var args = new List<string>();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] is ' ' or '\t')
            {
                continue;
            }

            if (terminateOnComment && s[i] == '#')
            {
                break;
            }

            char quote = '\0';
            var arg = new StringBuilder();
            for (; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '\\')
                {
                    char next = i + 1 < s.Length ? s[i + 1] : '\0';
                    if (next is '\'' or '"' or '\\' || (quote == '\0' && next == ' '))
                    {
                        i++;
                        arg.Append(next);
                    }
                    else
                    {
                        arg.Append(c);
                    }
                }
                else if (quote == '\0' && c is ' ' or '\t')
                {
                    break;
                }
                else if (quote == '\0' && c is '"' or '\'')
                {
                    quote = c;
                }
                else if (quote != '\0' && c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    arg.Append(c);
                }
            }

            args.Add(arg.ToString());
            if (i >= s.Length)
            {
                if (quote != '\0')
                {
                    return null;
                }

                break;
            }
        }

        return args;
    }

    /// <summary>OpenSSH's <c>convtime</c>: <c>90</c>, <c>1h30m</c>, <c>1.5</c> (seconds only) to seconds;
    /// -1 when invalid or larger than <see cref="int.MaxValue"/>.</summary>
    public static int ConvTime(string? s)
    {
        if (string.IsNullOrEmpty(s))
        {
            return -1;
        }

        double total = 0;
        bool seenSeconds = false;
        int p = 0;
        while (p < s.Length)
        {
            int start = p;
            while (p < s.Length && (char.IsAsciiDigit(s[p]) || s[p] == '.'))
            {
                p++;
            }

            if (p == start || !double.TryParse(s.AsSpan(start, p - start), NumberStyles.AllowDecimalPoint,
                    CultureInfo.InvariantCulture, out double value))
            {
                return -1;
            }

            double multiplier;
            char unit = p < s.Length ? s[p] : '\0';
            switch (unit)
            {
                case '\0' or 's' or 'S':
                    if (seenSeconds)
                    {
                        return -1;
                    }

                    seenSeconds = true;
                    multiplier = 1;
                    break;
                case 'm' or 'M': multiplier = 60; break;
                case 'h' or 'H': multiplier = 3600; break;
                case 'd' or 'D': multiplier = 86400; break;
                case 'w' or 'W': multiplier = 604800; break;
                default: return -1;
            }

            if (s.AsSpan(start, p - start).Contains('.') && (multiplier > 1 || s[p - 1] == '.'))
            {
                return -1;
            }

            total += value * multiplier;
            if (p < s.Length)
            {
                p++;
            }
        }

        return total > int.MaxValue ? -1 : (int)total;
    }

    /// <summary>OpenSSH's <c>atoi_err</c> (strtonum 0..INT_MAX): null on success, else "missing", "invalid",
    /// "too small" or "too large".</summary>
    public static string? AtoiError(string? s, out int value)
    {
        value = 0;
        if (string.IsNullOrEmpty(s))
        {
            return "missing";
        }

        int i = 0;
        while (i < s.Length && s[i] is ' ' or '\t' or '\n' or '\v' or '\f' or '\r')
        {
            i++;
        }

        bool negative = i < s.Length && s[i] == '-';
        if (i < s.Length && s[i] is '+' or '-')
        {
            i++;
        }

        int digits = i;
        long v = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            v = Math.Min(v * 10 + (s[i] - '0'), 1L << 40);
            i++;
        }

        if (i == digits || i != s.Length)
        {
            return "invalid";
        }

        if (negative && v != 0)
        {
            return "too small";
        }

        if (v > int.MaxValue)
        {
            return "too large";
        }

        value = (int)v;
        return null;
    }

    /// <summary>OpenSSH's <c>match_pattern</c>: <c>*</c> and <c>?</c> wildcards, case-sensitive.</summary>
    public static bool MatchPattern(ReadOnlySpan<char> s, ReadOnlySpan<char> pattern)
    {
        // Iterative glob with single-star backtracking (linear enough for config patterns; never recursive).
        int si = 0, pi = 0, starP = -1, starS = 0;
        while (si < s.Length)
        {
            if (pi < pattern.Length && (pattern[pi] == '?' || pattern[pi] == s[si]) && pattern[pi] != '*')
            {
                si++;
                pi++;
            }
            else if (pi < pattern.Length && pattern[pi] == '*')
            {
                starP = pi++;
                starS = si;
            }
            else if (starP >= 0)
            {
                pi = starP + 1;
                si = ++starS;
            }
            else
            {
                return false;
            }
        }

        while (pi < pattern.Length && pattern[pi] == '*')
        {
            pi++;
        }

        return pi == pattern.Length;
    }

    /// <summary>OpenSSH's <c>match_pattern_list</c>: comma-separated patterns, <c>!</c> negates. Returns 1 for a
    /// positive match, -1 when a negated pattern matches, 0 otherwise.</summary>
    public static int MatchPatternList(string s, string patterns, bool lowercasePatterns)
    {
        int result = 0;
        foreach (string raw in patterns.Split(','))
        {
            string sub = lowercasePatterns ? raw.ToLowerInvariant() : raw;
            bool negated = sub.StartsWith('!');
            if (negated)
            {
                sub = sub[1..];
            }

            if (MatchPattern(s, sub))
            {
                if (negated)
                {
                    return -1;
                }

                result = 1;
            }
        }

        return result;
    }

    /// <summary>OpenSSH's <c>match_hostname</c>: a case-insensitive <see cref="MatchPatternList"/>.</summary>
    public static int MatchHostname(string host, string patterns) =>
        MatchPatternList(host.ToLowerInvariant(), patterns, lowercasePatterns: true);
}
