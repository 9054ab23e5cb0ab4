using System.Text;

namespace SshTunnel.Cli.Arguments;

/// <summary>What ssh_config evaluation looks at: the host as typed (<c>Host</c> patterns), the original host
/// (<c>Match originalhost</c>), the remote command, local user and home directory, and the environment.</summary>
internal sealed class SshConfigContext
{
    /// <summary>The host name that Host patterns match (the destination as given, not lower-cased).</summary>
    public required string Host { get; init; }

    /// <summary>The destination host as typed on the command line.</summary>
    public required string OriginalHost { get; init; }

    /// <summary>The remote command ("" when none).</summary>
    public string RemoteCommand { get; init; } = "";

    /// <summary>The local user name.</summary>
    public string LocalUser { get; init; } = Environment.UserName;

    /// <summary>The local home directory (for <c>~</c> and %d).</summary>
    public string HomeDirectory { get; init; } = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Whether this is the final pass (<c>Match final</c>, <c>Match canonical</c>).</summary>
    public bool FinalPass { get; init; }

    /// <summary>Environment lookup for <c>${NAME}</c>.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Runs a <c>Match exec</c> command; returns whether it exited 0.</summary>
    public Func<string, bool> RunCommand { get; init; } = SshConfigReader.RunShellCommand;

    /// <summary>Expands a leading <c>~/</c> (or a bare <c>~</c>) to <see cref="HomeDirectory"/>.</summary>
    public string ExpandTilde(string path) =>
        path == "~" ? HomeDirectory : path.StartsWith("~/", StringComparison.Ordinal) ? HomeDirectory + path[1..] : path;

    /// <summary>The host that <c>Match host</c> compares: HostName with %h expanded when set, else the host.</summary>
    public string MatchHost(SshOptions options) =>
        FinalPass || options.Get("hostname") is null
            ? options.Get("hostname") ?? Host
            : options.Get("hostname")!.Replace("%h", Host, StringComparison.Ordinal).Replace("%%", "%", StringComparison.Ordinal);

    /// <summary>ssh_config(5) TOKENS for Match exec and Include: %% %d %h %L %l %n %p %r %u and ${ENV}.</summary>
    public string ExpandTokens(string s, SshOptions options)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '$' && i + 1 < s.Length && s[i + 1] == '{')
            {
                int end = s.IndexOf('}', i + 2);
                if (end > i + 2)
                {
                    sb.Append(GetEnvironmentVariable(s[(i + 2)..end]) ?? "");
                    i = end;
                    continue;
                }
            }

            if (c != '%' || i + 1 >= s.Length)
            {
                sb.Append(c);
                continue;
            }

            char t = s[++i];
            string host = System.Net.Dns.GetHostName();
            sb.Append(t switch
            {
                '%' => "%",
                'd' => HomeDirectory,
                'h' => MatchHost(options),
                'L' => host.Split('.')[0],
                'l' => host,
                'n' => OriginalHost,
                'p' => options.Get("port") ?? "22",
                'r' => options.Get("user") ?? LocalUser,
                'u' => LocalUser,
                _ => "%" + t,
            });
        }

        return sb.ToString();
    }
}
