using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>
/// A public key in SSH wire format (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709): ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa.
/// Used for host keys and user keys. Two keys are equal when their blobs are equal.
/// </summary>
public abstract class SshPublicKey : IEquatable<SshPublicKey>
{
    private readonly byte[] _blob;

    /// <summary>Creates the key from its wire blob (string key-type followed by the key fields).</summary>
    private protected SshPublicKey(byte[] blob) => _blob = blob;

    /// <summary>The key type name in the blob, e.g. "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa".</summary>
    public abstract string KeyType { get; }

    /// <summary>The SSH wire encoding of the key.</summary>
    public ReadOnlyMemory<byte> Blob => _blob;

    /// <summary>OpenSSH's fingerprint: "SHA256:" and the unpadded base64 of SHA-256 over the blob.</summary>
    public string Fingerprint => "SHA256:" + Convert.ToBase64String(SHA256.HashData(_blob)).TrimEnd('=');

    /// <summary>The key as it appears in known_hosts and authorized_keys: "type base64".</summary>
    public string ToOpenSshString() => KeyType + " " + Convert.ToBase64String(_blob);

    /// <summary>Signature algorithms this key can verify, best first (RSA: rsa-sha2-512, rsa-sha2-256; others: the key type).</summary>
    internal virtual IReadOnlyList<string> SignatureAlgorithms => [KeyType];

    /// <summary>
    /// Verifies a raw signature (the inner string of the signature blob) over <paramref name="data"/> with
    /// <paramref name="signatureAlgorithm"/>. Returns false for any invalid or malformed signature; never throws for bad input.
    /// </summary>
    internal abstract bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    /// <summary>
    /// Verifies an SSH signature blob (string algorithm, string signature; RFC 4253 §6.6) whose algorithm must equal
    /// <paramref name="expectedAlgorithm"/>. Returns false on any mismatch or malformed blob.
    /// </summary>
    internal bool VerifySignatureBlob(string expectedAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob)
    {
        try
        {
            var reader = new SshReader(signatureBlob);
            string algorithm = reader.ReadAsciiString();
            ReadOnlySpan<byte> signature = reader.ReadStringBytes();
            reader.ReadEnd();
            return algorithm == expectedAlgorithm && SignatureAlgorithms.Contains(algorithm) && Verify(algorithm, data, signature);
        }
        catch (SshProtocolException)
        {
            return false;
        }
    }

    /// <summary>Parses a public key blob.</summary>
    /// <exception cref="SshProtocolException">The blob is malformed or of an unsupported type.</exception>
    public static SshPublicKey Parse(ReadOnlySpan<byte> blob) => PublicKeyParser.Parse(blob);

    /// <summary>Parses "type base64 [comment]" as in authorized_keys and .pub files.</summary>
    /// <exception cref="FormatException">The text is not a public key line.</exception>
    public static SshPublicKey ParseOpenSshString(string text)
    {
        string[] parts = text.Trim().Split((char[])[' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) throw new FormatException("expected \"type base64\"");
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            throw new FormatException("invalid base64 in public key");
        }
        SshPublicKey key;
        try
        {
            key = Parse(blob);
        }
        catch (SshProtocolException e)
        {
            throw new FormatException("invalid public key: " + e.Message);
        }
        if (key.KeyType != parts[0]) throw new FormatException($"key type {parts[0]} does not match blob type {key.KeyType}");
        return key;
    }

    /// <inheritdoc/>
    public bool Equals(SshPublicKey? other) => other is not null && _blob.AsSpan().SequenceEqual(other._blob);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SshPublicKey);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_blob);
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => KeyType + " " + Fingerprint;
}

/// <summary>
/// A private key able to sign (RFC 4252 §7 user authentication, RFC 4253 §8 host key signature).
/// Implementations: in-memory keys (Ed25519, ECDSA, RSA) and keys held by ssh-agent.
/// </summary>
public abstract class SshPrivateKey : IDisposable
{
    /// <summary>The matching public key.</summary>
    public abstract SshPublicKey PublicKey { get; }

    /// <summary>The key's comment (from the key file or agent), possibly empty.</summary>
    public string Comment { get; init; } = "";

    /// <summary>
    /// Signs <paramref name="data"/> with <paramref name="signatureAlgorithm"/> (one of <see cref="SshPublicKey.SignatureAlgorithms"/>)
    /// and returns the SSH signature blob: string algorithm, string signature (RFC 4253 §6.6, RFC 8332, RFC 5656 §3.1.2).
    /// </summary>
    internal abstract ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Releases key material.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases key material.</summary>
    protected virtual void Dispose(bool disposing) { }
}
