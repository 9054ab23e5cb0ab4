using System.Net;
using System.Text;

namespace SshTunnel.Server.Policy;

/// <summary>One key line of an authorized_keys file: options, key type, key blob and comment.</summary>
public sealed class AuthorizedKeyEntry
{
    private readonly byte[] _keyBlob;

    internal AuthorizedKeyEntry(string sourceName, int lineNumber, AuthorizedKeyOptions options, string keyType, byte[] keyBlob, string comment)
    {
        SourceName = sourceName;
        LineNumber = lineNumber;
        Options = options;
        KeyType = keyType;
        _keyBlob = keyBlob;
        Comment = comment;
    }

    /// <summary>Name of the file the entry came from (for log lines such as sshd's "file:line").</summary>
    public string SourceName { get; }

    /// <summary>1-based line number in <see cref="SourceName"/>.</summary>
    public int LineNumber { get; }

    /// <summary>The parsed options (<see cref="AuthorizedKeyOptions.Default"/> shape when the line has none).</summary>
    public AuthorizedKeyOptions Options { get; }

    /// <summary>The key type token, e.g. "ssh-ed25519"; always equal to the type inside <see cref="KeyBlob"/>.</summary>
    public string KeyType { get; }

    /// <summary>The public key in SSH wire format (RFC 4253 §6.6).</summary>
    public ReadOnlyMemory<byte> KeyBlob => _keyBlob;

    /// <summary>The comment after the key (possibly empty).</summary>
    public string Comment { get; }

    /// <summary>"file:line", as sshd names an authorized_keys location in its log lines.</summary>
    public string Location => SourceName + ":" + LineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// True when this entry is for exactly this plain public key: blobs equal and the entry is not a
    /// <c>cert-authority</c> line (sshd never lets a CA line authorize a plain key).
    /// </summary>
    public bool Matches(ReadOnlySpan<byte> keyBlob) => !Options.CertAuthority && keyBlob.SequenceEqual(_keyBlob);

    /// <summary>
    /// sshd's auth_authorise_keyopts for a plain key: expiry-time, principals on a non-CA key, and from=.
    /// Returns null when allowed, else the reason (for the log).
    /// </summary>
    /// <param name="remoteAddress">The client's address.</param>
    /// <param name="remoteHostName">The client's host name, or null to use the address string (sshd's UseDNS no).</param>
    /// <param name="now">The current time.</param>
    public string? CheckRestrictions(IPAddress remoteAddress, string? remoteHostName, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(remoteAddress);
        if (Options.ExpiryTime is { } expiry && expiry < now)
        {
            return $"{Location}: entry expired at {expiry.ToLocalTime():yyyy-MM-ddTHH:mm:ss}";
        }
        if (Options.Principals is not null && !Options.CertAuthority) return $"{Location}: principals on non-CA key";
        if (Options.From is { } from)
        {
            string ip = AddressString(remoteAddress);
            string host = remoteHostName ?? ip;
            bool ok = SshPattern.MatchHostAndAddress(host, ip, from, out bool invalid);
            if (invalid) return $"{Location}: invalid from criteria (host={host}, ip={ip}, required={from})";
            if (!ok) return $"{Location}: key not permitted from this host (host={host}, ip={ip}, required={from})";
        }
        return null;
    }

    /// <summary>The address as sshd prints a peer: IPv4-mapped IPv6 shown as IPv4, no scope id.</summary>
    internal static string AddressString(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            address = new IPAddress(address.GetAddressBytes());
        }
        return address.ToString();
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Location).Append(' ').Append(KeyType);
        if (Comment.Length > 0) sb.Append(' ').Append(Comment);
        return sb.ToString();
    }
}
