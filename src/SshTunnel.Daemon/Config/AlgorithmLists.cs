using SshTunnel.Server.Policy;

namespace SshTunnel.Daemon.Config;

/// <summary>
/// The algorithm keywords (Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms): our server's defaults, the names it
/// supports, and OpenSSH's <c>+</c> (append), <c>-</c> (remove, wildcards), <c>^</c> (prepend) list syntax
/// (kex.c kex_assemble_names). Defaults follow CRYPTO.md §7 in OpenSSH's order.
/// </summary>
public static class AlgorithmLists
{
    /// <summary>Default Ciphers.</summary>
    public static IReadOnlyList<string> DefaultCiphers { get; } =
        ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"];

    /// <summary>Default MACs (used with the CTR ciphers only).</summary>
    public static IReadOnlyList<string> DefaultMacs { get; } =
        ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"];

    /// <summary>Default KexAlgorithms of the gateway (no finite-field DH, see CRYPTO.md §7).</summary>
    public static IReadOnlyList<string> DefaultKexAlgorithms { get; } =
        ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"];

    /// <summary>Default HostKeyAlgorithms.</summary>
    public static IReadOnlyList<string> DefaultHostKeyAlgorithms { get; } =
        ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"];

    /// <summary>Every cipher name accepted in the config.</summary>
    public static IReadOnlyList<string> SupportedCiphers => DefaultCiphers;

    /// <summary>Every MAC name accepted in the config.</summary>
    public static IReadOnlyList<string> SupportedMacs => DefaultMacs;

    /// <summary>Every key exchange name accepted in the config.</summary>
    public static IReadOnlyList<string> SupportedKexAlgorithms => DefaultKexAlgorithms;

    /// <summary>Every host key algorithm accepted in the config (ssh-rsa, SHA-1, only on request).</summary>
    public static IReadOnlyList<string> SupportedHostKeyAlgorithms { get; } = [.. DefaultHostKeyAlgorithms, "ssh-rsa"];

    /// <summary>
    /// Validates the value as sshd does when reading the line: unless it starts with <c>-</c>, every name (after an
    /// optional <c>+</c>/<c>^</c>) must be supported; wildcards only where <paramref name="allowWildcards"/>.
    /// </summary>
    internal static bool IsValidSpec(string spec, IReadOnlyList<string> supported, bool allowWildcards)
    {
        if (spec.StartsWith('-')) return true;
        string list = spec.StartsWith('+') || spec.StartsWith('^') ? spec[1..] : spec;
        if (list.Length == 0) return false;
        foreach (string name in list.Split(','))
        {
            if (name.Length == 0) return false;
            if (allowWildcards && name.AsSpan().IndexOfAny('*', '?') >= 0)
            {
                if (!supported.Any(s => SshPattern.Match(s, name))) return false;
            }
            else if (!supported.Contains(name))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// kex_assemble_names: applies <paramref name="spec"/> (null = defaults) to <paramref name="defaults"/> and keeps
    /// only supported names. Returns null when the result is empty or uses a negated pattern.
    /// </summary>
    internal static IReadOnlyList<string>? Assemble(string? spec, IReadOnlyList<string> defaults, IReadOnlyList<string> supported)
    {
        if (string.IsNullOrEmpty(spec)) return defaults;
        List<string> list;
        switch (spec[0])
        {
            case '-':
                {
                    string filter = spec[1..];
                    List<string> remaining = defaults.Where(d => SshPattern.MatchList(d, filter) != PatternMatch.Match).ToList();
                    return remaining.Count == 0 ? null : remaining;
                }
            case '+':
                list = [.. defaults, .. spec[1..].Split(',')];
                break;
            case '^':
                list = [.. spec[1..].Split(','), .. defaults];
                break;
            default:
                list = [.. spec.Split(',')];
                break;
        }
        var result = new List<string>();
        foreach (string pattern in list)
        {
            if (pattern.StartsWith('!')) return null;
            foreach (string name in supported)
            {
                if (SshPattern.MatchList(name, pattern) == PatternMatch.Match && !result.Contains(name)) result.Add(name);
            }
        }
        return result.Count == 0 ? null : result;
    }
}
