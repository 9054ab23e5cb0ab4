using System.Diagnostics.CodeAnalysis;
using SshTunnel.Forwarding;

namespace SshTunnel.Cli.Arguments;

/// <summary>A <c>[user@]host[:port]</c> or <c>ssh://[user@]host[:port]</c> target (ssh's destination, -J hops).</summary>
internal sealed record SshDestination(string? User, string Host, int? Port)
{
    /// <summary>
    /// OpenSSH's <c>parse_ssh_uri</c>, falling back to <c>parse_user_host_port</c> (the user ends at the last
    /// <c>@</c>; <c>[v6]</c> brackets; optional <c>:port</c>).
    /// </summary>
    public static bool TryParse(string text, bool allowPath, [NotNullWhen(true)] out SshDestination? destination)
    {
        destination = null;
        if (text.StartsWith("ssh://", StringComparison.Ordinal))
        {
            return TryParseUri(text["ssh://".Length..], allowPath, out destination);
        }

        string? user = null;
        string rest = text;
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            if (at == 0)
            {
                return false;
            }

            user = rest[..at];
            rest = rest[(at + 1)..];
        }

        if (!TrySplitHostPort(rest, out string host, out string? portText, out _) || host.Length == 0)
        {
            return false;
        }

        int? port = null;
        if (!string.IsNullOrEmpty(portText))
        {
            if (!ForwardSpecParser.TryParsePort(portText, out int p) || p <= 0)
            {
                return false;
            }

            port = p;
        }

        destination = new SshDestination(user, host, port);
        return true;
    }

    /// <summary>The result of <c>parse_ssh_uri</c> for ssh's main destination: 0 = URI parsed, 1 = not a URI,
    /// -1 = bad URI (usage error).</summary>
    public static int ParseDestinationUri(string text, out SshDestination? destination)
    {
        destination = null;
        if (!text.StartsWith("ssh://", StringComparison.Ordinal))
        {
            return 1;
        }

        return TryParseUri(text["ssh://".Length..], allowPath: false, out destination) ? 0 : -1;
    }

    private static bool TryParseUri(string rest, bool allowPath, [NotNullWhen(true)] out SshDestination? destination)
    {
        destination = null;
        string? user = null;
        int at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            string info = rest[..at];
            int semicolon = info.IndexOf(';', StringComparison.Ordinal);
            if (semicolon >= 0)
            {
                info = info[..semicolon];
            }

            if (info.Length == 0)
            {
                return false;
            }

            user = Uri.UnescapeDataString(info);
            rest = rest[(at + 1)..];
        }

        if (!TrySplitHostPort(rest, out string host, out string? tail, out char delimiter) || host.Length == 0 ||
            !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or ':' or '%'))
        {
            return false;
        }

        int? port = null;
        string? path = null;
        if (!string.IsNullOrEmpty(tail))
        {
            if (delimiter == ':')
            {
                int slash = tail.IndexOf('/', StringComparison.Ordinal);
                string portText = slash >= 0 ? tail[..slash] : tail;
                if (!ForwardSpecParser.TryParsePort(portText, out int p) || p <= 0)
                {
                    return false;
                }

                port = p;
                tail = slash >= 0 ? tail[(slash + 1)..] : null;
            }

            if (!string.IsNullOrEmpty(tail))
            {
                path = tail;
            }
        }

        if (path is not null && !allowPath)
        {
            return false;
        }

        destination = new SshDestination(user, host, port);
        return true;
    }

    /// <summary>OpenSSH's <c>hpdelim2</c> + <c>cleanhostname</c>: splits host from the rest at ':' or '/',
    /// honouring <c>[v6]</c> brackets.</summary>
    private static bool TrySplitHostPort(string s, out string host, out string? rest, out char delimiter)
    {
        host = "";
        rest = null;
        delimiter = '\0';
        int end;
        if (s.StartsWith('['))
        {
            int close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = s[1..close];
            end = close + 1;
            if (end < s.Length && s[end] is not (':' or '/'))
            {
                return false;
            }
        }
        else
        {
            end = s.AsSpan().IndexOfAny(':', '/');
            if (end < 0)
            {
                end = s.Length;
            }

            host = s[..end];
        }

        if (end < s.Length)
        {
            delimiter = s[end];
            rest = s[(end + 1)..];
        }

        return true;
    }

    /// <summary>OpenSSH's <c>ssh_valid_hostname</c>.</summary>
    public static bool IsValidHostname(string s) =>
        !s.StartsWith('-') && !s.Any(c => "'`\"$\\;&<>|(){},".Contains(c, StringComparison.Ordinal) ||
            char.IsWhiteSpace(c) || char.IsControl(c));

    /// <summary>OpenSSH's <c>ssh_valid_ruser</c>.</summary>
    public static bool IsValidUser(string s)
    {
        if (s.StartsWith('-'))
        {
            return false;
        }

        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsControl(c) || "'`\";&<>|(){}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }

            if (char.IsWhiteSpace(c) && i + 1 < s.Length && s[i + 1] == '-')
            {
                return false;
            }

            if (c == '\\' && i + 1 == s.Length)
            {
                return false;
            }
        }

        return true;
    }
}
