using System.Security.Cryptography;

namespace SshTunnel.Keys;

/// <summary>Public key of this type (to be implemented).</summary>
internal sealed class RsaPublicKey : SshPublicKey
{
    /// <summary>Creates the key from its parameters.</summary>
    public RsaPublicKey(RSAParameters parameters) : base([]) => throw new NotImplementedException();

    /// <inheritdoc/>
    public override string KeyType => throw new NotImplementedException();

    internal override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => throw new NotImplementedException();
}
