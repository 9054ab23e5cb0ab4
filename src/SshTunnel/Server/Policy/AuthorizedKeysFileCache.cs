namespace SshTunnel.Server.Policy;

/// <summary>
/// Loads authorized_keys files for a server, reading the file at every call (as sshd does, so an edit or a removed
/// key applies to the very next attempt) but parsing it only when its bytes differ from the last read of that path:
/// an OpenSSH client consults the file twice per login (the publickey query, then the signed request), and a busy
/// gateway many times per second. The parsed result depends only on the bytes and the path (expiry-time is
/// evaluated by <see cref="AuthorizedKeysFile.FindMatch"/>), so reusing it cannot change a decision.
/// Thread-safe; at most <see cref="MaxEntries"/> paths and <see cref="MaxCachedFileLength"/> bytes per file are kept.
/// </summary>
public sealed class AuthorizedKeysFileCache
{
    /// <summary>Most paths remembered (one per user and AuthorizedKeysFile template); later paths are parsed every time.</summary>
    public const int MaxEntries = 4096;

    /// <summary>Largest file kept (bytes); larger files are parsed every time.</summary>
    public const int MaxCachedFileLength = 1024 * 1024;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Number of parses done (for tests and diagnostics).</summary>
    internal int ParseCount { get; private set; }

    /// <summary>Reads <paramref name="path"/> and returns its parsed content (see <see cref="AuthorizedKeysFile.Load"/>).</summary>
    /// <exception cref="IOException">The file cannot be read (<see cref="FileNotFoundException"/>, <see cref="DirectoryNotFoundException"/>, ...).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to read the file.</exception>
    public AuthorizedKeysFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] content = RegularFile.ReadAllBytes(path);
        lock (_entries)
        {
            if (_entries.TryGetValue(path, out Entry? known) && known.Content.AsSpan().SequenceEqual(content)) return known.File;
        }
        AuthorizedKeysFile file = AuthorizedKeysFile.Parse(Decode(content), path);
        lock (_entries)
        {
            ParseCount++;
            if (content.Length <= MaxCachedFileLength && (_entries.Count < MaxEntries || _entries.ContainsKey(path)))
            {
                _entries[path] = new Entry(content, file);
            }
            else
            {
                _entries.Remove(path);
            }
        }
        return file;
    }

    /// <summary>The text as <see cref="File.ReadAllText(string)"/> decodes it: UTF-8 unless a byte order mark says otherwise.</summary>
    private static string Decode(byte[] content)
    {
        using var reader = new StreamReader(new MemoryStream(content, writable: false), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private sealed record Entry(byte[] Content, AuthorizedKeysFile File);
}
