using System.Security.Cryptography;

namespace SshTunnel.Keys;

/// <summary>Private key of this type (to be implemented).</summary>
internal sealed class Ed25519PrivateKey : SshPrivateKey
{
    /// <summary>Creates the key from its private parameters.</summary>
    public Ed25519PrivateKey(ReadOnlySpan<byte> seed) => throw new NotImplementedException();

    /// <inheritdoc/>
    public override SshPublicKey PublicKey => throw new NotImplementedException();

    internal override ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
