using System.Security.Cryptography;
using SshTunnel.Errors;

namespace SshTunnel.Transport.KeyExchange;

/// <summary>
/// curve25519-sha256 and curve25519-sha256@libssh.org (RFC 8731 §3): Q_C/Q_S are 32-byte X25519 public keys,
/// K is the 32-byte X25519 result read as an unsigned big-endian integer.
/// </summary>
internal sealed class Curve25519KeyAgreement : IKeyAgreement
{
    private readonly byte[] _privateKey = new byte[X25519Backend.KeyLength];
    private readonly byte[] _publicKey = new byte[X25519Backend.KeyLength];
    private bool _disposed;

    /// <summary>Creates an agreement with a fresh random ephemeral key.</summary>
    public Curve25519KeyAgreement()
    {
        X25519Backend.GeneratePrivateKey(_privateKey);
        X25519Backend.ScalarMultBase(_privateKey, _publicKey);
    }

    /// <summary>Creates an agreement with a given 32-byte private scalar (for test vectors).</summary>
    internal Curve25519KeyAgreement(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != X25519Backend.KeyLength) throw new ArgumentException("X25519 private key must be 32 bytes", nameof(privateKey));
        privateKey.CopyTo(_privateKey);
        X25519Backend.ScalarMultBase(_privateKey, _publicKey);
    }

    /// <inheritdoc/>
    public ReadOnlySpan<byte> PublicValue => _publicKey;

    /// <inheritdoc/>
    public bool PublicValueIsMPInt => false;

    /// <inheritdoc/>
    /// <exception cref="SshProtocolException">The peer's value is not 32 bytes, or the shared secret is all zeros (a low-order point).</exception>
    /// <exception cref="ObjectDisposedException">The agreement was disposed.</exception>
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (peerPublicValue.Length != X25519Backend.KeyLength)
        {
            throw new SshProtocolException($"curve25519 public value must be {X25519Backend.KeyLength} bytes, got {peerPublicValue.Length}", DisconnectReason.KeyExchangeFailed);
        }
        byte[] secret = new byte[X25519Backend.KeyLength];
        X25519Backend.ScalarMult(_privateKey, peerPublicValue, secret);
        int accumulator = 0;
        foreach (byte b in secret) accumulator |= b;
        if (accumulator == 0)
        {
            throw new SshProtocolException("curve25519 shared secret is all zeros (peer sent a low-order point)", DisconnectReason.KeyExchangeFailed);
        }
        return secret;
    }

    /// <summary>Zeros the ephemeral private key.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_privateKey);
        _disposed = true;
    }
}
