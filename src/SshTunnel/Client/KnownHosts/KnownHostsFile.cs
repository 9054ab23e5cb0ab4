using System.Text;
using SshTunnel.Errors;
using SshTunnel.Keys;

namespace SshTunnel.Client.KnownHosts;

/// <summary>
/// An OpenSSH known_hosts file (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): lines of
/// <c>[@revoked|@cert-authority] hostpatterns keytype base64 [comment]</c>, host patterns with '*', '?', '!' and
/// "[host]:port", or hashed as "|1|salt|HMAC-SHA1". Reading never throws on bad content: malformed lines are skipped
/// and listed in <see cref="Warnings"/>; the caller decides (fail closed).
/// </summary>
public sealed class KnownHostsFile
{
    /// <summary>The system-wide file OpenSSH reads after the user's files.</summary>
    public const string SystemFile = "/etc/ssh/ssh_known_hosts";

    private const int MaxLineLength = 64 * 1024;
    private const string RevokedMarker = "@revoked";
    private const string CertAuthorityMarker = "@cert-authority";

    private static readonly HashSet<string> SupportedKeyTypes = new(StringComparer.Ordinal)
    {
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
    };

    private KnownHostsFile(string path, List<KnownHostsEntry> entries, List<string> warnings)
    {
        Path = path;
        Entries = entries;
        Warnings = warnings;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The valid lines, in file order.</summary>
    public IReadOnlyList<KnownHostsEntry> Entries { get; }

    /// <summary>Lines that were skipped, as "PATH:LINE: reason".</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Reads a known_hosts file; a missing file (or directory) reads as empty.</summary>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file exists but this user may not read it.</exception>
    public static KnownHostsFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) return new KnownHostsFile(path, [], []);
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Parse(reader, path);
    }

    /// <summary>Parses known_hosts content; <paramref name="path"/> is only used in locations and warnings.</summary>
    public static KnownHostsFile Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var reader = new StringReader(text);
        return Parse(reader, path);
    }

    private static KnownHostsFile Parse(TextReader reader, string path)
    {
        var entries = new List<KnownHostsEntry>();
        var warnings = new List<string>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length > MaxLineLength)
            {
                warnings.Add($"{path}:{lineNumber}: line too long");
                continue;
            }
            string? reason = ParseLine(line, path, lineNumber, out KnownHostsEntry? entry);
            if (entry is not null) entries.Add(entry);
            else if (reason is not null) warnings.Add($"{path}:{lineNumber}: {reason}");
        }
        return new KnownHostsFile(path, entries, warnings);
    }

    /// <summary>Parses one line; returns null with no entry for blank, comment and unsupported-key-type lines, or a reason when malformed.</summary>
    private static string? ParseLine(string line, string path, int lineNumber, out KnownHostsEntry? entry)
    {
        entry = null;
        string trimmed = line.Trim();
        if (trimmed.Length == 0 || trimmed[0] == '#') return null;

        string[] fields = trimmed.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        int index = 0;
        KnownHostsMarker marker = KnownHostsMarker.None;
        if (fields[0][0] == '@')
        {
            marker = fields[0] switch
            {
                RevokedMarker => KnownHostsMarker.Revoked,
                CertAuthorityMarker => KnownHostsMarker.CertAuthority,
                _ => (KnownHostsMarker)(-1),
            };
            if (marker < 0) return "unknown marker " + fields[0];
            index = 1;
        }
        if (fields.Length - index < 3) return "missing fields (expected hostnames, key type and key)";

        string hosts = fields[index];
        string keyType = fields[index + 1];
        string base64 = fields[index + 2];
        string comment = string.Join(' ', fields.Skip(index + 3));

        if (hosts.StartsWith(HostPattern.HashMagic, StringComparison.Ordinal))
        {
            if (!HostPattern.TryParseHashed(hosts, out _, out _)) return "malformed hashed host name";
        }
        else if (hosts.StartsWith('|'))
        {
            return "unsupported hashed host name format";
        }
        else if (hosts.Split(',').Any(p => p.Length == 0 || p == "!"))
        {
            return "empty host pattern";
        }

        // Types this library cannot use (ssh-dss, security keys, SSH1 "bits e n" lines) are skipped silently, as OpenSSH
        // skips key types it was built without.
        if (!SupportedKeyTypes.Contains(keyType)) return null;

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return "invalid base64 key";
        }

        SshPublicKey key;
        try
        {
            key = SshPublicKey.Parse(blob);
        }
        catch (SshProtocolException e)
        {
            return "invalid key: " + e.Message;
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            return "invalid key: " + e.Message;
        }
        if (key.KeyType != keyType) return $"key type {keyType} does not match the key ({key.KeyType})";

        entry = new KnownHostsEntry(path, lineNumber, marker, hosts, key, comment);
        return null;
    }

    /// <summary>Looks <paramref name="key"/> up for <paramref name="host"/>:<paramref name="port"/> in this file.</summary>
    /// <param name="host">Host name or address as the user gave it (compared in lower case).</param>
    /// <param name="port">TCP port; 22 is looked up as "host", others as "[host]:port".</param>
    /// <param name="key">The host key the server presented.</param>
    public KnownHostsResult Check(string host, int port, SshPublicKey key) => CheckEntries(Entries, Warnings, host, port, key);

    /// <summary>
    /// Looks the key up in several files together, as OpenSSH does with UserKnownHostsFile then GlobalKnownHostsFile:
    /// @revoked anywhere wins, then a matching line anywhere, then a conflicting line anywhere. Missing files are
    /// empty; unreadable files are skipped with a warning.
    /// </summary>
    public static KnownHostsResult CheckAll(IEnumerable<string> paths, string host, int port, SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var entries = new List<KnownHostsEntry>();
        var warnings = new List<string>();
        foreach (string path in paths)
        {
            KnownHostsFile file;
            try
            {
                file = Load(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warnings.Add($"{path}: cannot read: {e.Message}");
                continue;
            }
            entries.AddRange(file.Entries);
            warnings.AddRange(file.Warnings);
        }
        return CheckEntries(entries, warnings, host, port, key);
    }

    private static KnownHostsResult CheckEntries(IReadOnlyList<KnownHostsEntry> entries, IReadOnlyList<string> warnings, string host, int port, SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        string lookupName = HostPattern.LookupName(host, port);

        KnownHostsEntry? match = null;
        var offending = new List<KnownHostsEntry>();
        var otherTypes = new List<KnownHostsEntry>();
        foreach (KnownHostsEntry entry in entries)
        {
            if (!entry.Matches(lookupName)) continue;
            switch (entry.Marker)
            {
                case KnownHostsMarker.Revoked when entry.Key.Equals(key):
                    return new KnownHostsResult(KnownHostsStatus.Revoked, entry, [], [], warnings);
                case KnownHostsMarker.None when entry.Key.Equals(key):
                    match ??= entry;
                    break;
                case KnownHostsMarker.None when entry.Key.KeyType == key.KeyType:
                    offending.Add(entry);
                    break;
                case KnownHostsMarker.None:
                    otherTypes.Add(entry);
                    break;
                default:
                    break; // @cert-authority keys sign certificates; a plain host key never matches them
            }
        }
        if (match is not null) return new KnownHostsResult(KnownHostsStatus.Match, match, [], otherTypes, warnings);
        if (offending.Count > 0) return new KnownHostsResult(KnownHostsStatus.Changed, offending[0], offending, otherTypes, warnings);
        return new KnownHostsResult(KnownHostsStatus.NotFound, null, [], otherTypes, warnings);
    }

    /// <summary>
    /// Appends "host keytype base64" (or "[host]:port ...", or the hashed form) to a known_hosts file, as ssh does when
    /// the user accepts a new key (StrictHostKeyChecking=accept-new or a "yes" answer). Creates the directory (mode
    /// 0700) and the file (mode 0600) when absent, and starts a new line if the file does not end with one.
    /// </summary>
    /// <exception cref="ArgumentException">The host name cannot be written into a known_hosts line.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">This user may not write the file.</exception>
    public static void Append(string path, string host, int port, SshPublicKey key, bool hashHostName = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(key);
        string pattern = FormatHostPattern(host, port);
        string hostField = hashHostName ? HostPattern.Hash(pattern) : pattern;
        string line = hostField + " " + key.ToOpenSshString() + "\n";

        string fullPath = System.IO.Path.GetFullPath(path);
        string? directory = System.IO.Path.GetDirectoryName(fullPath);
        if (directory is not null && !Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
            else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(fullPath, options);
        if (stream.Length > 0)
        {
            stream.Seek(-1, SeekOrigin.End);
            bool endsWithNewline = stream.ReadByte() == '\n';
            stream.Seek(0, SeekOrigin.End);
            if (!endsWithNewline) stream.WriteByte((byte)'\n');
        }
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The host field ssh writes for a host: "host" for port 22, "[host]:port" otherwise, in lower case.</summary>
    /// <exception cref="ArgumentException">The host is empty or contains whitespace, control characters, ',' or a leading '!', '@', '|' or '#'.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The port is outside 1..65535.</exception>
    public static string FormatHostPattern(string host, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        if (host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == ',') || host[0] is '!' or '@' or '|' or '#')
        {
            throw new ArgumentException("host name cannot be written to known_hosts: " + host, nameof(host));
        }
        return HostPattern.LookupName(host, port);
    }

    /// <summary>OpenSSH's short name for a key type in messages ("ED25519", "ECDSA", "RSA").</summary>
    public static string DisplayKeyType(string keyType) => keyType switch
    {
        "ssh-ed25519" => "ED25519",
        "ssh-rsa" => "RSA",
        _ when keyType.StartsWith("ecdsa-sha2-", StringComparison.Ordinal) => "ECDSA",
        _ => keyType,
    };
}
