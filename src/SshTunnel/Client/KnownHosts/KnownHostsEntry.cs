using SshTunnel.Keys;

namespace SshTunnel.Client.KnownHosts;

/// <summary>The marker at the start of a known_hosts line (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT").</summary>
public enum KnownHostsMarker
{
    /// <summary>No marker: the key is a host key of the matching hosts.</summary>
    None,
    /// <summary>@cert-authority: the key is a CA for host certificates (certificates are not supported, so it never matches a plain key).</summary>
    CertAuthority,
    /// <summary>@revoked: the key must never be accepted for the matching hosts.</summary>
    Revoked,
}

/// <summary>One valid line of a known_hosts file.</summary>
public sealed class KnownHostsEntry
{
    private readonly string[] _patterns;

    internal KnownHostsEntry(string path, int lineNumber, KnownHostsMarker marker, string hosts, SshPublicKey key, string comment)
    {
        Path = path;
        LineNumber = lineNumber;
        Marker = marker;
        Hosts = hosts;
        Key = key;
        Comment = comment;
        _patterns = hosts.Split(',');
    }

    /// <summary>The file the line came from.</summary>
    public string Path { get; }

    /// <summary>1-based line number in <see cref="Path"/>.</summary>
    public int LineNumber { get; }

    /// <summary>The line's marker.</summary>
    public KnownHostsMarker Marker { get; }

    /// <summary>The host field as written: comma-separated patterns, or one hashed name "|1|salt|hash".</summary>
    public string Hosts { get; }

    /// <summary>The key on the line.</summary>
    public SshPublicKey Key { get; }

    /// <summary>The comment after the key, possibly empty.</summary>
    public string Comment { get; }

    /// <summary>"PATH:LINE", as OpenSSH prints locations.</summary>
    public string Location => Path + ":" + LineNumber;

    /// <summary>
    /// True when the host field matches <paramref name="lookupName"/> ("host" or "[host]:port", lower case):
    /// some pattern matches and no negated pattern does (OpenSSH match_hostname), or the hashed name is its HMAC.
    /// </summary>
    internal bool Matches(string lookupName)
    {
        if (Hosts.StartsWith(HostPattern.HashMagic, StringComparison.Ordinal)) return HostPattern.MatchesHashed(Hosts, lookupName);
        bool positive = false;
        foreach (string pattern in _patterns)
        {
            bool negated = pattern.StartsWith('!');
            if (HostPattern.MatchesWildcard(lookupName, negated ? pattern[1..] : pattern))
            {
                if (negated) return false;
                positive = true;
            }
        }
        return positive;
    }
}
