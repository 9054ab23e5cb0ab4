using System.Numerics;
using System.Security.Cryptography;
using SshTunnel.Errors;

namespace SshTunnel.Transport.KeyExchange;

/// <summary>
/// Finite-field Diffie-Hellman (RFC 4253 §8, RFC 8268, RFC 4419 §3): e = g^x mod p, K = f^x mod p, with e, f and K
/// as unsigned big-endian integers (mpints on the wire). Peer values are checked as OpenSSH's dh_pub_is_valid does:
/// 1 &lt; f &lt; p-1 and more than one bit set.
/// </summary>
/// <remarks>
/// The private exponent lives in a <see cref="BigInteger"/>, which cannot be wiped; <see cref="Dispose"/> zeros the
/// random bytes it was made from and drops the reference.
/// </remarks>
internal sealed class DiffieHellmanKeyAgreement : IKeyAgreement
{
    /// <summary>
    /// Size of the private exponent x, in bits (capped at bits(p) - 1): twice the 256-bit security target, as OpenSSH
    /// uses twice the bits it needs.
    /// </summary>
    public const int PrivateExponentBits = 512;

    private readonly BigInteger _p;
    private readonly byte[] _exponentBytes;
    private readonly byte[] _publicValue;
    private BigInteger _x;
    private bool _disposed;

    /// <summary>Creates an agreement in the group (<paramref name="p"/>, <paramref name="g"/>) with a fresh random exponent.</summary>
    /// <exception cref="SshProtocolException">p is not odd and above 3, or g is not in (1, p-1), or g^x gave an invalid e.</exception>
    public DiffieHellmanKeyAgreement(BigInteger p, BigInteger g)
    {
        if (p <= 3 || p.IsEven) throw new SshProtocolException("DH modulus must be odd and greater than 3", DisconnectReason.KeyExchangeFailed);
        if (g <= BigInteger.One || g >= p - 1) throw new SshProtocolException("DH generator must be in (1, p-1)", DisconnectReason.KeyExchangeFailed);
        _p = p;
        int bits = (int)Math.Min(PrivateExponentBits, p.GetBitLength() - 1);
        _exponentBytes = new byte[(bits + 7) / 8];
        BigInteger e;
        int attempts = 0;
        do
        {
            if (++attempts > 8) throw new SshProtocolException("DH group gives no valid public value", DisconnectReason.KeyExchangeFailed);
            RandomNumberGenerator.Fill(_exponentBytes);
            int excess = _exponentBytes.Length * 8 - bits;
            _exponentBytes[0] &= (byte)(0xFF >> excess);
            _exponentBytes[0] |= (byte)(0x80 >> excess); // x has exactly `bits` bits, so 1 < x < p-1
            _x = new BigInteger(_exponentBytes, isUnsigned: true, isBigEndian: true);
            e = BigInteger.ModPow(g, _x, p);
        }
        while (!IsValidPublicValue(e, p));
        _publicValue = e.ToByteArray(isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Creates diffie-hellman-group14-sha256 (RFC 3526 group 14, 2048 bits).</summary>
    public static DiffieHellmanKeyAgreement CreateGroup14() => new(DiffieHellmanGroups.Group14Prime, DiffieHellmanGroups.Generator);

    /// <summary>Creates diffie-hellman-group16-sha512 (RFC 3526 group 16, 4096 bits).</summary>
    public static DiffieHellmanKeyAgreement CreateGroup16() => new(DiffieHellmanGroups.Group16Prime, DiffieHellmanGroups.Generator);

    /// <summary>Creates diffie-hellman-group18-sha512 (RFC 3526 group 18, 8192 bits).</summary>
    public static DiffieHellmanKeyAgreement CreateGroup18() => new(DiffieHellmanGroups.Group18Prime, DiffieHellmanGroups.Generator);

    /// <summary>The modulus p.</summary>
    internal BigInteger Modulus => _p;

    /// <inheritdoc/>
    public ReadOnlySpan<byte> PublicValue => _publicValue;

    /// <inheritdoc/>
    public bool PublicValueIsMPInt => true;

    /// <inheritdoc/>
    /// <exception cref="SshProtocolException">f is not in (1, p-1) or has at most one bit set.</exception>
    /// <exception cref="ObjectDisposedException">The agreement was disposed.</exception>
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var f = new BigInteger(peerPublicValue, isUnsigned: true, isBigEndian: true);
        if (!IsValidPublicValue(f, _p))
        {
            throw new SshProtocolException("invalid DH public value (must be in (1, p-1) with more than one bit set)", DisconnectReason.KeyExchangeFailed);
        }
        return BigInteger.ModPow(f, _x, _p).ToByteArray(isUnsigned: true, isBigEndian: true);
    }

    /// <summary>OpenSSH's dh_pub_is_valid: 1 &lt; value &lt; p-1 and more than one bit set.</summary>
    internal static bool IsValidPublicValue(BigInteger value, BigInteger p)
    {
        if (value <= BigInteger.One || value >= p - 1) return false;
        long bitsSet = 0;
        foreach (byte b in value.ToByteArray(isUnsigned: true))
        {
            bitsSet += BitOperations.PopCount(b);
            if (bitsSet > 1) return true;
        }
        return false;
    }

    /// <summary>Zeros the exponent's random bytes and drops the exponent.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_exponentBytes);
        _x = BigInteger.Zero;
        _disposed = true;
    }
}
