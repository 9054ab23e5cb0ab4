using System.Security.Cryptography;

namespace SshTunnel.Keys;

/// <summary>Public key of this type (to be implemented).</summary>
internal sealed class Ed25519PublicKey : SshPublicKey
{
    /// <summary>Creates the key from its parameters.</summary>
    public Ed25519PublicKey(ReadOnlySpan<byte> publicKey) : base([]) => throw new NotImplementedException();

    /// <inheritdoc/>
    public override string KeyType => throw new NotImplementedException();

    internal override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => throw new NotImplementedException();
}
