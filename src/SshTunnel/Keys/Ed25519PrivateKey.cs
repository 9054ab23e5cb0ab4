using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>An ssh-ed25519 private key (RFC 8032 §5.1, RFC 8709), held as its 32-byte seed.</summary>
internal sealed class Ed25519PrivateKey : SshPrivateKey, IOpenSshPrivateKeyFields
{
    private readonly byte[] _seed;
    private readonly Ed25519PublicKey _publicKey;
    private bool _disposed;

    /// <summary>Creates the key from its 32-byte seed (RFC 8032 "private key" k) and derives the public key.</summary>
    /// <exception cref="SshProtocolException"><paramref name="seed"/> is not 32 bytes long.</exception>
    public Ed25519PrivateKey(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Ed25519Backend.SeedLength)
        {
            throw new SshProtocolException($"ssh-ed25519 private key seed must be {Ed25519Backend.SeedLength} bytes, got {seed.Length}");
        }
        _seed = seed.ToArray();
        Span<byte> publicKey = stackalloc byte[Ed25519Backend.PublicKeyLength];
        Ed25519Backend.DerivePublicKey(_seed, publicKey);
        _publicKey = new Ed25519PublicKey(publicKey);
    }

    /// <summary>Generates a new random key.</summary>
    public static Ed25519PrivateKey Generate()
    {
        Span<byte> seed = stackalloc byte[Ed25519Backend.SeedLength];
        RandomNumberGenerator.Fill(seed);
        try
        {
            return new Ed25519PrivateKey(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <inheritdoc/>
    public override SshPublicKey PublicKey => _publicKey;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="signatureAlgorithm"/> is not "ssh-ed25519".</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    internal override ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (signatureAlgorithm != AlgorithmNames.SshEd25519)
        {
            throw new ArgumentException($"an ssh-ed25519 key cannot sign with {signatureAlgorithm}", nameof(signatureAlgorithm));
        }
        Span<byte> signature = stackalloc byte[Ed25519Backend.SignatureLength];
        Ed25519Backend.Sign(_seed, _publicKey.KeyBytes, data.Span, signature);
        return ValueTask.FromResult(SignatureBlob.Create(AlgorithmNames.SshEd25519, signature));
    }

    /// <inheritdoc/>
    void IOpenSshPrivateKeyFields.WriteOpenSshPrivateFields(ref SshWriter writer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ReadOnlySpan<byte> publicKey = _publicKey.KeyBytes;
        writer.WriteString(publicKey);
        writer.WriteUInt32((uint)(_seed.Length + publicKey.Length));
        writer.WriteBytes(_seed);
        writer.WriteBytes(publicKey);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        CryptographicOperations.ZeroMemory(_seed);
        _disposed = true;
        base.Dispose(disposing);
    }
}
