namespace SshTunnel.Server.Policy;

/// <summary>
/// TCP service names (getservbyname(name, "tcp")) read once from <c>/etc/services</c> when it exists.
/// Used where OpenSSH accepts a service name for a port.
/// </summary>
internal static class ServiceNames
{
    private static readonly Lazy<Dictionary<string, int>> s_table = new(Load);

    /// <summary>Looks up a TCP service name or alias; false when unknown or when there is no services file.</summary>
    public static bool TryGetTcpPort(string name, out int port)
    {
        port = 0;
        if (name.Length == 0) return false;
        return s_table.Value.TryGetValue(name, out port);
    }

    private static Dictionary<string, int> Load()
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        const string path = "/etc/services";
        try
        {
            if (!File.Exists(path)) return table;
            foreach (string rawLine in File.ReadLines(path))
            {
                string line = rawLine;
                int hash = line.IndexOf('#', StringComparison.Ordinal);
                if (hash >= 0) line = line[..hash];
                string[] fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 2) continue;
                string[] portProto = fields[1].Split('/');
                if (portProto.Length != 2 || portProto[1] != "tcp") continue;
                if (!int.TryParse(portProto[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
                    || port is < 0 or > 65535) continue;
                table.TryAdd(fields[0], port);
                for (int i = 2; i < fields.Length; i++) table.TryAdd(fields[i], port);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return table;
    }
}
