using System.Security.Cryptography;
using BcX25519 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;

namespace SshTunnel.Transport.KeyExchange;

/// <summary>
/// The X25519 function (RFC 7748 §5). This is the only file that knows the backend (Portable.BouncyCastle 1.8.10,
/// <c>Org.BouncyCastle.Math.EC.Rfc7748.X25519</c>); replace it here to move to another implementation.
/// </summary>
internal static class X25519Backend
{
    /// <summary>Length of scalars, u-coordinates and results, in bytes.</summary>
    public const int KeyLength = 32;

    /// <summary>Fills <paramref name="privateKey"/> (32 bytes) with a random scalar (clamped by <see cref="ScalarMult"/> on use).</summary>
    public static void GeneratePrivateKey(Span<byte> privateKey)
    {
        CheckLength(privateKey, nameof(privateKey));
        RandomNumberGenerator.Fill(privateKey);
    }

    /// <summary>X25519(k, 9): the public key of scalar <paramref name="k"/>, written to <paramref name="result"/>.</summary>
    public static void ScalarMultBase(ReadOnlySpan<byte> k, Span<byte> result)
    {
        CheckLength(k, nameof(k));
        CheckLength(result, nameof(result));
        byte[] scalar = k.ToArray();
        byte[] r = new byte[KeyLength];
        try
        {
            BcX25519.ScalarMultBase(scalar, 0, r, 0);
            r.CopyTo(result);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    /// <summary>
    /// X25519(k, u) as specified (RFC 7748 §5: k is clamped, the top bit of u is ignored), written to <paramref name="result"/>.
    /// The caller must reject an all-zero result (RFC 7748 §6.1, RFC 8731 §3).
    /// </summary>
    public static void ScalarMult(ReadOnlySpan<byte> k, ReadOnlySpan<byte> u, Span<byte> result)
    {
        CheckLength(k, nameof(k));
        CheckLength(u, nameof(u));
        CheckLength(result, nameof(result));
        byte[] scalar = k.ToArray();
        byte[] r = new byte[KeyLength];
        try
        {
            BcX25519.ScalarMult(scalar, 0, u.ToArray(), 0, r, 0);
            r.CopyTo(result);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
            CryptographicOperations.ZeroMemory(r);
        }
    }

    private static void CheckLength(ReadOnlySpan<byte> value, string name)
    {
        if (value.Length != KeyLength) throw new ArgumentException($"expected {KeyLength} bytes, got {value.Length}", name);
    }
}
