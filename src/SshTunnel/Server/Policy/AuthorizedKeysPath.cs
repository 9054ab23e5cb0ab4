using System.Text;

namespace SshTunnel.Server.Policy;

/// <summary>
/// Expands an AuthorizedKeysFile (or PasswordFile) path template as sshd does (auth.c expand_authorized_keys):
/// <c>%%</c> a literal %, <c>%h</c> the home directory, <c>%u</c> the user name, <c>%U</c> the numeric user id;
/// a relative result is taken relative to the home directory.
/// </summary>
public static class AuthorizedKeysPath
{
    /// <summary>Expands <paramref name="template"/> for one user.</summary>
    /// <param name="template">The path as configured, e.g. <c>.ssh/authorized_keys</c> or <c>/etc/ssh/keys/%u</c>.</param>
    /// <param name="user">User name.</param>
    /// <param name="homeDirectory">The user's home directory.</param>
    /// <param name="userId">Numeric uid for <c>%U</c>, or null when unknown (then <c>%U</c> is an error).</param>
    /// <exception cref="FormatException">An unknown <c>%</c> token or a trailing <c>%</c>, with sshd's wording.</exception>
    public static string Expand(string template, string user, string homeDirectory, long? userId = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(homeDirectory);
        var sb = new StringBuilder(template.Length + 32);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            if (++i >= template.Length) throw new FormatException("percent_expand: invalid format");
            switch (template[i])
            {
                case '%': sb.Append('%'); break;
                case 'h': sb.Append(homeDirectory); break;
                case 'u': sb.Append(user); break;
                case 'U' when userId is not null: sb.Append(userId.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
                default: throw new FormatException($"percent_expand: unknown key %{template[i]}");
            }
        }
        string expanded = sb.ToString();
        return expanded.StartsWith('/') || Path.IsPathFullyQualified(expanded) ? expanded : homeDirectory.TrimEnd('/') + "/" + expanded;
    }
}
