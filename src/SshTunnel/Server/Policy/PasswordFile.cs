using System.Globalization;
using System.Security.Cryptography;

namespace SshTunnel.Server.Policy;

/// <summary>
/// The gateway's password file (sshd_config keyword <c>PasswordFile</c>): one user per line,
/// <c>user:$pbkdf2-sha256$ITERATIONS$BASE64SALT$BASE64HASH</c>, PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) with a 32-byte
/// derived key. Blank lines and <c>#</c> comments are ignored; malformed lines are skipped with a warning.
/// </summary>
public sealed class PasswordFile
{
    /// <summary>The scheme tag in the hash field.</summary>
    public const string Scheme = "pbkdf2-sha256";

    /// <summary>Iterations used by <see cref="HashPassword"/> by default (OWASP 2023 guidance for PBKDF2-HMAC-SHA256).</summary>
    public const int DefaultIterations = 210_000;

    /// <summary>Lowest iteration count accepted in the file.</summary>
    public const int MinimumIterations = 100_000;

    /// <summary>Highest iteration count accepted in the file (about seconds of CPU per attempt beyond this).</summary>
    public const int MaximumIterations = 10_000_000;

    /// <summary>Salt length written by <see cref="HashPassword"/>, in bytes.</summary>
    public const int SaltLength = 16;

    /// <summary>Shortest salt accepted in the file, in bytes.</summary>
    public const int MinimumSaltLength = 16;

    /// <summary>Derived key length, in bytes (SHA-256 output).</summary>
    public const int HashLength = 32;

    private readonly Dictionary<string, Entry> _entries;
    private readonly Entry _dummy;

    private PasswordFile(Dictionary<string, Entry> entries, IReadOnlyList<PolicyFileWarning> warnings)
    {
        _entries = entries;
        Warnings = warnings;
        // A user that does not exist is checked against this dummy entry with a typical iteration count, so the time a
        // failure takes does not reveal whether the user exists.
        int iterations = entries.Count > 0 ? entries.Values.Max(e => e.Iterations) : DefaultIterations;
        _dummy = new Entry(iterations, new byte[SaltLength], new byte[HashLength]);
    }

    /// <summary>The skipped lines and why.</summary>
    public IReadOnlyList<PolicyFileWarning> Warnings { get; }

    /// <summary>The users with a valid entry.</summary>
    public IReadOnlyCollection<string> Users => _entries.Keys;

    /// <summary>Parses the file's text. Never throws for malformed content.</summary>
    /// <param name="text">The file's content.</param>
    /// <param name="sourceName">Name used in warnings.</param>
    public static PasswordFile Parse(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var warnings = new List<PolicyFileWarning>();
        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].TrimEnd('\r').Trim(' ', '\t');
            if (line.Length == 0 || line[0] == '#') continue;
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                warnings.Add(new(sourceName, n + 1, "expected user:$pbkdf2-sha256$iterations$salt$hash"));
                continue;
            }
            string user = line[..colon];
            string? error = TryParseHash(line[(colon + 1)..], out Entry? entry);
            if (entry is null)
            {
                warnings.Add(new(sourceName, n + 1, error!));
                continue;
            }
            if (!entries.TryAdd(user, entry))
            {
                warnings.Add(new(sourceName, n + 1, $"duplicate user {user}; the first entry is used"));
            }
        }
        return new PasswordFile(entries, warnings);
    }

    /// <summary>Reads and parses a password file.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to read the file.</exception>
    public static PasswordFile Load(string path) => Parse(RegularFile.ReadAllText(path), path);

    /// <summary>True when the file has an entry for <paramref name="user"/>.</summary>
    public bool Contains(string user) => _entries.ContainsKey(user);

    /// <summary>
    /// Checks a password. Compares in constant time; an unknown user costs the same PBKDF2 work as a known one.
    /// </summary>
    /// <param name="user">User name (case-sensitive).</param>
    /// <param name="password">The password as received (UTF-8 on the wire, RFC 4252 §8).</param>
    /// <returns>True only for a known user with the right password.</returns>
    public bool Verify(string user, ReadOnlySpan<char> password)
    {
        ArgumentNullException.ThrowIfNull(user);
        bool known = _entries.TryGetValue(user, out Entry? entry);
        entry ??= _dummy;
        byte[] derived = Rfc2898DeriveBytes.Pbkdf2(password, entry.Salt, entry.Iterations, HashAlgorithmName.SHA256, entry.Hash.Length);
        try
        {
            bool equal = CryptographicOperations.FixedTimeEquals(derived, entry.Hash);
            return known & equal;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>
    /// Produces the hash field of a password-file line: <c>$pbkdf2-sha256$ITERATIONS$SALT$HASH</c> with a random
    /// 16-byte salt. Prefix it with <c>user:</c> to make a line.
    /// </summary>
    /// <param name="password">The password.</param>
    /// <param name="iterations">PBKDF2 iteration count, <see cref="MinimumIterations"/> .. <see cref="MaximumIterations"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="iterations"/> is out of range.</exception>
    public static string HashPassword(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinimumIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaximumIterations);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltLength);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, HashLength);
        string result = string.Create(CultureInfo.InvariantCulture,
            $"${Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
        CryptographicOperations.ZeroMemory(hash);
        return result;
    }

    private static string? TryParseHash(string field, out Entry? entry)
    {
        entry = null;
        string[] parts = field.Split('$');
        if (parts.Length != 5 || parts[0].Length != 0) return "expected $pbkdf2-sha256$iterations$salt$hash";
        if (parts[1] != Scheme) return $"unsupported hash scheme \"{parts[1]}\"";
        if (parts[2].Length is 0 or > 9 || !parts[2].All(char.IsAsciiDigit)) return "invalid iteration count";
        int iterations = int.Parse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture);
        if (iterations < MinimumIterations) return $"iteration count {iterations} below {MinimumIterations}";
        if (iterations > MaximumIterations) return $"iteration count {iterations} above {MaximumIterations}";
        byte[]? salt = DecodeBase64(parts[3]);
        if (salt is null) return "invalid base64 salt";
        if (salt.Length < MinimumSaltLength) return $"salt shorter than {MinimumSaltLength} bytes";
        byte[]? hash = DecodeBase64(parts[4]);
        if (hash is null) return "invalid base64 hash";
        if (hash.Length != HashLength) return $"hash is not {HashLength} bytes";
        entry = new Entry(iterations, salt, hash);
        return null;
    }

    private static byte[]? DecodeBase64(string text)
    {
        if (text.Length == 0) return null;
        byte[] buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out int written) ? buffer[..written] : null;
    }

    private sealed record Entry(int Iterations, byte[] Salt, byte[] Hash);
}
