using System.Globalization;

namespace SshTunnel.Forwarding;

/// <summary>
/// TCP service names for <c>a2port</c> (<c>getservbyname(name, "tcp")</c>): read once from <c>/etc/services</c>,
/// or a small built-in table when that file is missing (Windows, minimal containers). Names are case-sensitive,
/// as in glibc.
/// </summary>
internal static class ForwardSpecServices
{
    private const string ServicesPath = "/etc/services";

    private static readonly Lazy<Dictionary<string, int>> s_table = new(Load);

    /// <summary>Looks up a TCP service name or alias.</summary>
    public static bool TryGetPort(string name, out int port) => s_table.Value.TryGetValue(name, out port);

    private static Dictionary<string, int> Load()
    {
        try
        {
            if (File.Exists(ServicesPath))
            {
                return Parse(File.ReadLines(ServicesPath));
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Builtin();
    }

    /// <summary>Parses services(5) lines: <c>name port/protocol [aliases...] [# comment]</c>. The first entry for a
    /// name wins, as with the files backend of getservbyname. Malformed lines are skipped.</summary>
    internal static Dictionary<string, int> Parse(IEnumerable<string> lines)
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        char[] separators = [' ', '\t'];
        foreach (string rawLine in lines)
        {
            int hash = rawLine.IndexOf('#', StringComparison.Ordinal);
            string line = hash >= 0 ? rawLine[..hash] : rawLine;
            string[] parts = line.Split(separators, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
            {
                continue;
            }

            int slash = parts[1].IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || !string.Equals(parts[1][(slash + 1)..], "tcp", StringComparison.OrdinalIgnoreCase) ||
                !int.TryParse(parts[1].AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out int port) ||
                port > 65535)
            {
                continue;
            }

            table.TryAdd(parts[0], port);
            for (int i = 2; i < parts.Length; i++)
            {
                table.TryAdd(parts[i], port);
            }
        }

        return table;
    }

    private static Dictionary<string, int> Builtin() => new(StringComparer.Ordinal)
    {
        ["ftp"] = 21,
        ["ssh"] = 22,
        ["telnet"] = 23,
        ["smtp"] = 25,
        ["domain"] = 53,
        ["http"] = 80,
        ["www"] = 80,
        ["pop3"] = 110,
        ["imap"] = 143,
        ["ldap"] = 389,
        ["https"] = 443,
        ["submission"] = 587,
        ["imaps"] = 993,
        ["pop3s"] = 995,
        ["socks"] = 1080,
        ["ms-sql-s"] = 1433,
        ["openvpn"] = 1194,
        ["mysql"] = 3306,
        ["ms-wbt-server"] = 3389,
        ["postgresql"] = 5432,
        ["postgres"] = 5432,
        ["x11"] = 6000,
        ["redis"] = 6379,
        ["http-alt"] = 8080,
        ["webcache"] = 8080,
    };
}
