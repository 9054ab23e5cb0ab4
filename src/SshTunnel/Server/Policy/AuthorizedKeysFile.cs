using System.Net;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Server.Policy;

/// <summary>A problem found on one line of a policy file; the line was skipped.</summary>
/// <param name="SourceName">File name (or other source name) given to the parser.</param>
/// <param name="LineNumber">1-based line number.</param>
/// <param name="Reason">What was wrong, in OpenSSH's words where it has them.</param>
public readonly record struct PolicyFileWarning(string SourceName, int LineNumber, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => $"{SourceName}:{LineNumber}: {Reason}";
}

/// <summary>
/// An OpenSSH authorized_keys file (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"): one key per line as
/// <c>[options] keytype base64 [comment]</c>; blank lines and <c>#</c> comments are ignored. Bad lines are skipped
/// with a warning, never an exception.
/// </summary>
public sealed class AuthorizedKeysFile
{
    /// <summary>Longest line sshd reads (SSH_MAX_PUBKEY_BYTES is 16 KiB; sshd's line buffer grows, we cap at 64 KiB).</summary>
    private const int MaxLineLength = 64 * 1024;

    private AuthorizedKeysFile(IReadOnlyList<AuthorizedKeyEntry> entries, IReadOnlyList<PolicyFileWarning> warnings)
    {
        Entries = entries;
        Warnings = warnings;
    }

    /// <summary>The valid key lines, in file order.</summary>
    public IReadOnlyList<AuthorizedKeyEntry> Entries { get; }

    /// <summary>The skipped lines and why.</summary>
    public IReadOnlyList<PolicyFileWarning> Warnings { get; }

    /// <summary>Parses the text of an authorized_keys file. Never throws for malformed content.</summary>
    /// <param name="text">The file's content.</param>
    /// <param name="sourceName">Name used in warnings and log locations (normally the path).</param>
    /// <param name="timeZone">Zone for expiry-time values without <c>Z</c>; local time when null.</param>
    public static AuthorizedKeysFile Parse(string text, string sourceName, TimeZoneInfo? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        var entries = new List<AuthorizedKeyEntry>();
        var warnings = new List<PolicyFileWarning>();
        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].TrimEnd('\r');
            int lineNumber = n + 1;
            if (line.Length > MaxLineLength)
            {
                warnings.Add(new(sourceName, lineNumber, "line too long"));
                continue;
            }
            string trimmed = line.TrimStart(' ', '\t');
            if (trimmed.Length == 0 || trimmed[0] == '#') continue;
            string? error = TryParseLine(trimmed, sourceName, lineNumber, timeZone, out AuthorizedKeyEntry? entry);
            if (entry is not null) entries.Add(entry);
            else warnings.Add(new(sourceName, lineNumber, error!));
        }
        return new AuthorizedKeysFile(entries, warnings);
    }

    /// <summary>Reads and parses a file.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to read the file.</exception>
    public static AuthorizedKeysFile Load(string path) => Parse(RegularFile.ReadAllText(path), path);

    /// <summary>
    /// Finds the first entry for this key whose restrictions (expiry-time, from=, principals=) allow the client, as sshd
    /// scans the file: a matching line that refuses does not stop the scan.
    /// </summary>
    /// <param name="keyBlob">The public key blob the client offered.</param>
    /// <param name="remoteAddress">The client's address.</param>
    /// <param name="remoteHostName">The client's host name, or null to use its address (sshd's default UseDNS no).</param>
    /// <param name="now">The current time.</param>
    /// <param name="denialReason">When null is returned: why the first matching line refused, or "no matching key".</param>
    /// <returns>The authorizing entry, or null.</returns>
    public AuthorizedKeyEntry? FindMatch(ReadOnlySpan<byte> keyBlob, IPAddress remoteAddress, string? remoteHostName, DateTimeOffset now, out string denialReason)
    {
        ArgumentNullException.ThrowIfNull(remoteAddress);
        string? firstRefusal = null;
        foreach (AuthorizedKeyEntry entry in Entries)
        {
            if (!entry.Matches(keyBlob)) continue;
            string? refusal = entry.CheckRestrictions(remoteAddress, remoteHostName, now);
            if (refusal is null)
            {
                denialReason = "";
                return entry;
            }
            firstRefusal ??= refusal;
        }
        denialReason = firstRefusal ?? "no matching key";
        return null;
    }

    private static string? TryParseLine(string line, string sourceName, int lineNumber, TimeZoneInfo? timeZone, out AuthorizedKeyEntry? entry)
    {
        entry = null;
        string optionsText = "";
        if (!TryReadKey(line, out string keyType, out byte[]? blob, out string comment))
        {
            // sshkey_advance_past_options: run to the first unquoted space or tab; \" does not toggle quoting.
            int i = 0;
            bool quoted = false;
            for (; i < line.Length && (quoted || (line[i] != ' ' && line[i] != '\t')); i++)
            {
                if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] == '"') i++;
                else if (line[i] == '"') quoted = !quoted;
            }
            if (quoted) return "invalid key option string";
            optionsText = line[..i];
            string rest = line[i..].TrimStart(' ', '\t');
            if (rest.Length == 0) return "no key found";
            if (!TryReadKey(rest, out keyType, out blob, out comment)) return "no valid key found after options";
        }
        AuthorizedKeyOptions options;
        try
        {
            options = optionsText.Length == 0 ? AuthorizedKeyOptions.Default : AuthorizedKeyOptions.Parse(optionsText, timeZone);
        }
        catch (FormatException e)
        {
            return "bad key options: " + e.Message;
        }
        entry = new AuthorizedKeyEntry(sourceName, lineNumber, options, keyType, blob!, comment);
        return null;
    }

    /// <summary>
    /// sshkey_read for the key part: a type token, whitespace, base64 of a blob whose leading string equals the type
    /// token, then an optional comment.
    /// </summary>
    private static bool TryReadKey(string text, out string keyType, out byte[]? blob, out string comment)
    {
        keyType = "";
        blob = null;
        comment = "";
        int sp = text.AsSpan().IndexOfAny(' ', '\t');
        if (sp <= 0) return false;
        keyType = text[..sp];
        string rest = text[sp..].TrimStart(' ', '\t');
        int end = rest.AsSpan().IndexOfAny(' ', '\t');
        string base64 = end < 0 ? rest : rest[..end];
        comment = end < 0 ? "" : rest[end..].Trim(' ', '\t');
        if (base64.Length == 0) return false;
        byte[] decoded = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, decoded, out int length)) return false;
        decoded = decoded[..length];
        try
        {
            var reader = new SshReader(decoded);
            if (reader.ReadAsciiString() != keyType) return false;
        }
        catch (SshProtocolException)
        {
            return false;
        }
        blob = decoded;
        return true;
    }
}
