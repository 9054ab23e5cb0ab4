using System.Security.Cryptography;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace SshTunnel.Keys;

/// <summary>
/// The Ed25519 primitive (RFC 8032 §5.1, pure Ed25519). This is the only file that knows the backend
/// (Portable.BouncyCastle 1.8.10, <c>Org.BouncyCastle.Math.EC.Rfc8032.Ed25519</c>); replace it here to move to
/// BouncyCastle.Cryptography 2.x, libcrypto or an in-box type.
/// </summary>
internal static class Ed25519Backend
{
    /// <summary>Length of a public key (the encoded point A), in bytes.</summary>
    public const int PublicKeyLength = 32;

    /// <summary>Length of a private key seed (RFC 8032 "secret key" k), in bytes.</summary>
    public const int SeedLength = 32;

    /// <summary>Length of a signature (R || S), in bytes.</summary>
    public const int SignatureLength = 64;

    /// <summary>Computes the public key for <paramref name="seed"/> (32 bytes) into <paramref name="publicKey"/> (32 bytes).</summary>
    public static void DerivePublicKey(ReadOnlySpan<byte> seed, Span<byte> publicKey)
    {
        CheckLength(seed, SeedLength, nameof(seed));
        CheckLength(publicKey, PublicKeyLength, nameof(publicKey));
        byte[] sk = seed.ToArray();
        byte[] pk = new byte[PublicKeyLength];
        try
        {
            BcEd25519.GeneratePublicKey(sk, 0, pk, 0);
            pk.CopyTo(publicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sk);
        }
    }

    /// <summary>
    /// Signs <paramref name="message"/> with the key (<paramref name="seed"/>, <paramref name="publicKey"/>) and writes the
    /// 64-byte signature into <paramref name="signature"/>.
    /// </summary>
    public static void Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, Span<byte> signature)
    {
        CheckLength(seed, SeedLength, nameof(seed));
        CheckLength(publicKey, PublicKeyLength, nameof(publicKey));
        CheckLength(signature, SignatureLength, nameof(signature));
        byte[] sk = seed.ToArray();
        byte[] m = message.ToArray();
        byte[] sig = new byte[SignatureLength];
        try
        {
            BcEd25519.Sign(sk, 0, publicKey.ToArray(), 0, m, 0, m.Length, sig, 0);
            sig.CopyTo(signature);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sk);
        }
    }

    /// <summary>
    /// Verifies a signature. Returns false when the public key or signature has the wrong length, the point R or A does
    /// not decode, S is not canonical (S ≥ L), or the equation does not hold.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeyLength || signature.Length != SignatureLength) return false;
        byte[] m = message.ToArray();
        return BcEd25519.Verify(signature.ToArray(), 0, publicKey.ToArray(), 0, m, 0, m.Length);
    }

    private static void CheckLength(ReadOnlySpan<byte> value, int length, string name)
    {
        if (value.Length != length) throw new ArgumentException($"expected {length} bytes, got {value.Length}", name);
    }
}
