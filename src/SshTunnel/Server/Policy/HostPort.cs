using System.Globalization;

namespace SshTunnel.Server.Policy;

/// <summary>
/// The <c>host:port</c> splitting rules OpenSSH uses for PermitOpen/PermitListen and the permitopen=/permitlisten=
/// key options (misc.c hpdelim2, cleanhostname, a2port, channels.c permitopen_port).
/// </summary>
public static class HostPort
{
    /// <summary>Port value meaning "any port" (<c>*</c>), as OpenSSH's FWD_PERMIT_ANY_PORT.</summary>
    public const int AnyPort = 0;

    /// <summary>Longest host name OpenSSH accepts in a permission (NI_MAXHOST - 1).</summary>
    public const int MaxHostLength = 1024;

    /// <summary>
    /// hpdelim: splits at the first <c>:</c> or <c>/</c> (after a bracketed <c>[...]</c> part). Returns false when a
    /// bracket is unterminated or not followed by a delimiter. <paramref name="rest"/> is null when there was no
    /// delimiter.
    /// </summary>
    public static bool TrySplit(string text, out string host, out string? rest)
    {
        host = "";
        rest = null;
        int end;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return false;
            end = close + 1;
        }
        else
        {
            end = text.AsSpan().IndexOfAny(':', '/');
            if (end < 0) end = text.Length;
        }
        if (end < text.Length && text[end] != ':' && text[end] != '/') return false;
        host = text[..end];
        rest = end < text.Length ? text[(end + 1)..] : null;
        return true;
    }

    /// <summary>cleanhostname: strips one pair of surrounding brackets.</summary>
    public static string CleanHostName(string host) =>
        host.Length >= 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    /// <summary>
    /// a2port: a decimal number 0..65535, or a TCP service name from the system services database.
    /// Returns -1 when invalid.
    /// </summary>
    public static int ParsePort(string text)
    {
        if (text.Length > 0 && text.Length <= 5 && text.All(char.IsAsciiDigit))
        {
            int value = int.Parse(text, CultureInfo.InvariantCulture);
            return value <= 65535 ? value : -1;
        }
        return ServiceNames.TryGetTcpPort(text, out int port) ? port : -1;
    }

    /// <summary>permitopen_port: <c>*</c> gives <see cref="AnyPort"/>, otherwise a port 1..65535; -1 when invalid.</summary>
    public static int ParsePermitPort(string text)
    {
        if (text == "*") return AnyPort;
        int port = ParsePort(text);
        return port > 0 ? port : -1;
    }
}
