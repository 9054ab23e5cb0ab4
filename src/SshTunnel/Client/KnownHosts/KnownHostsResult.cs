namespace SshTunnel.Client.KnownHosts;

/// <summary>The outcome of looking a host key up in known_hosts (OpenSSH hostfile.c HOST_OK / HOST_CHANGED / HOST_NEW / HOST_REVOKED).</summary>
public enum KnownHostsStatus
{
    /// <summary>No line for this host has a key of this type: ask the user or apply StrictHostKeyChecking.</summary>
    NotFound,
    /// <summary>A line for this host has exactly this key.</summary>
    Match,
    /// <summary>
    /// Lines for this host have keys of this type, but none is this key: OpenSSH's "REMOTE HOST IDENTIFICATION HAS
    /// CHANGED". The connection must be refused.
    /// </summary>
    Changed,
    /// <summary>The key is on an @revoked line for this host; it must be refused whatever else the files say.</summary>
    Revoked,
}

/// <summary>The result of <see cref="KnownHostsFile.Check"/> or <see cref="KnownHostsFile.CheckAll"/>, with the lines behind it.</summary>
public sealed class KnownHostsResult
{
    internal KnownHostsResult(
        KnownHostsStatus status, KnownHostsEntry? entry, IReadOnlyList<KnownHostsEntry> offending,
        IReadOnlyList<KnownHostsEntry> otherKeyTypes, IReadOnlyList<string> warnings)
    {
        Status = status;
        Entry = entry;
        Offending = offending;
        OtherKeyTypes = otherKeyTypes;
        Warnings = warnings;
    }

    /// <summary>What was found.</summary>
    public KnownHostsStatus Status { get; }

    /// <summary>
    /// The deciding line: the matching line (<see cref="KnownHostsStatus.Match"/>), the @revoked line
    /// (<see cref="KnownHostsStatus.Revoked"/>), the first conflicting line (<see cref="KnownHostsStatus.Changed"/>); otherwise null.
    /// </summary>
    public KnownHostsEntry? Entry { get; }

    /// <summary>For <see cref="KnownHostsStatus.Changed"/>: every line for this host with a different key of the same type.</summary>
    public IReadOnlyList<KnownHostsEntry> Offending { get; }

    /// <summary>Lines for this host with keys of other types (OpenSSH: "but keys of different type are already known for this host").</summary>
    public IReadOnlyList<KnownHostsEntry> OtherKeyTypes { get; }

    /// <summary>Malformed lines skipped and files that could not be read, as "PATH:LINE: reason".</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>OpenSSH's line for a conflicting entry, e.g. "Offending ED25519 key in /home/u/.ssh/known_hosts:3"; null unless Changed.</summary>
    public string? OffendingKeyMessage =>
        Status == KnownHostsStatus.Changed && Entry is not null
            ? $"Offending {KnownHostsFile.DisplayKeyType(Entry.Key.KeyType)} key in {Entry.Location}"
            : null;
}
