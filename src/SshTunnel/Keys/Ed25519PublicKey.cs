using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>An ssh-ed25519 public key (RFC 8709 §4): blob = string "ssh-ed25519", string A (32 bytes).</summary>
internal sealed class Ed25519PublicKey : SshPublicKey
{
    private readonly byte[] _publicKey;

    /// <summary>Creates the key from the 32-byte encoded point A.</summary>
    /// <exception cref="SshProtocolException"><paramref name="publicKey"/> is not 32 bytes long.</exception>
    public Ed25519PublicKey(ReadOnlySpan<byte> publicKey) : base(CreateBlob(publicKey)) => _publicKey = publicKey.ToArray();

    /// <inheritdoc/>
    public override string KeyType => AlgorithmNames.SshEd25519;

    /// <summary>The 32-byte encoded public point A.</summary>
    internal ReadOnlySpan<byte> KeyBytes => _publicKey;

    /// <summary>
    /// Verifies a raw 64-byte Ed25519 signature (RFC 8709 §6). Returns false for any other algorithm, a signature of the
    /// wrong length, a non-canonical S, or a signature that does not verify.
    /// </summary>
    internal override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signatureAlgorithm == AlgorithmNames.SshEd25519
        && signature.Length == Ed25519Backend.SignatureLength
        && Ed25519Backend.Verify(_publicKey, data, signature);

    private static byte[] CreateBlob(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != Ed25519Backend.PublicKeyLength)
        {
            throw new SshProtocolException($"ssh-ed25519 public key must be {Ed25519Backend.PublicKeyLength} bytes, got {publicKey.Length}");
        }
        var writer = new SshWriter(64);
        writer.WriteString(AlgorithmNames.SshEd25519);
        writer.WriteString(publicKey);
        return writer.ToArray();
    }
}
