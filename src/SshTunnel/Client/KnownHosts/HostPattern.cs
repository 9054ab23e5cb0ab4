using System.Security.Cryptography;
using System.Text;

namespace SshTunnel.Client.KnownHosts;

/// <summary>Host name patterns of known_hosts: wildcards (OpenSSH match_pattern), hashed names and "[host]:port".</summary>
internal static class HostPattern
{
    /// <summary>Prefix of a hashed host name: "|1|" base64(salt) "|" base64(HMAC-SHA1(salt, name)).</summary>
    public const string HashMagic = "|1|";

    /// <summary>The default SSH port, written without brackets.</summary>
    public const int DefaultPort = 22;

    private const int SaltLength = 20; // SHA-1 block-free salt size ssh-keygen -H uses

    /// <summary>"host" for port 22, "[host]:port" otherwise; the host is lower-cased as OpenSSH does.</summary>
    public static string LookupName(string host, int port)
    {
        string lower = host.ToLowerInvariant();
        return port == DefaultPort ? lower : "[" + lower + "]:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Glob match with '*' (any run, possibly empty) and '?' (one character), case-insensitive, everything else literal.
    /// Greedy with one backtrack point, so it runs in O(n·m) at worst.
    /// </summary>
    public static bool MatchesWildcard(string text, string pattern)
    {
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>Checks a hashed host field against a lookup name (constant-time comparison of the HMAC).</summary>
    public static bool MatchesHashed(string hashed, string lookupName)
    {
        if (!TryParseHashed(hashed, out byte[]? salt, out byte[]? hash)) return false;
        byte[] expected = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(lookupName));
        return CryptographicOperations.FixedTimeEquals(expected, hash);
    }

    /// <summary>Splits "|1|salt|hash" into its decoded parts; false when malformed.</summary>
    public static bool TryParseHashed(string hashed, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? salt, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? hash)
    {
        salt = null;
        hash = null;
        if (!hashed.StartsWith(HashMagic, StringComparison.Ordinal)) return false;
        string[] parts = hashed[HashMagic.Length..].Split('|');
        if (parts.Length != 2) return false;
        try
        {
            salt = Convert.FromBase64String(parts[0]);
            hash = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            salt = null;
            hash = null;
            return false;
        }
        if (salt.Length != SaltLength || hash.Length != HMACSHA1.HashSizeInBytes)
        {
            salt = null;
            hash = null;
            return false;
        }
        return true;
    }

    /// <summary>"|1|salt|hash" for <paramref name="lookupName"/> with a fresh random salt (as ssh-keygen -H and HashKnownHosts write).</summary>
    public static string Hash(string lookupName)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltLength);
        byte[] hash = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(lookupName));
        return HashMagic + Convert.ToBase64String(salt) + "|" + Convert.ToBase64String(hash);
    }
}
