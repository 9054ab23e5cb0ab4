using System.Numerics;
using System.Security.Cryptography;
using SshTunnel.Errors;

namespace SshTunnel.Keys.KeyFiles;

/// <summary>Turns the numbers read from key files into the key classes, with the checks every format shares.</summary>
internal static class KeyMaterial
{
    /// <summary>Smallest RSA modulus accepted (OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE).</summary>
    public const int MinRsaBits = 1024;

    /// <summary>Largest RSA modulus accepted (OpenSSH's SSH_RSA_MAXIMUM_MODULUS_SIZE).</summary>
    public const int MaxRsaBits = 16384;

    /// <summary>Copies unsigned big-endian <paramref name="value"/> right-aligned into a new array of <paramref name="length"/> bytes.</summary>
    /// <exception cref="SshKeyFileException">The value does not fit.</exception>
    public static byte[] PadLeft(ReadOnlySpan<byte> value, int length)
    {
        while (value.Length > 0 && value[0] == 0) value = value[1..];
        if (value.Length > length) throw SshKeyFileException.InvalidFormat("key component too long");
        byte[] result = new byte[length];
        value.CopyTo(result.AsSpan(length - value.Length));
        return result;
    }

    /// <summary>The curve for an SSH ECDSA key type, or null when the type is not ECDSA.</summary>
    public static (ECCurve Curve, string CurveName, int FieldLength)? EcdsaCurveForKeyType(string keyType) => keyType switch
    {
        KeyFileNames.EcdsaSha2Nistp256 => (ECCurve.NamedCurves.nistP256, KeyFileNames.Nistp256, 32),
        KeyFileNames.EcdsaSha2Nistp384 => (ECCurve.NamedCurves.nistP384, KeyFileNames.Nistp384, 48),
        KeyFileNames.EcdsaSha2Nistp521 => (ECCurve.NamedCurves.nistP521, KeyFileNames.Nistp521, 66),
        _ => null,
    };

    /// <summary>The SSH key type for a named NIST curve, by OID or friendly name; null for other curves.</summary>
    public static string? KeyTypeForCurve(ECCurve curve)
    {
        if (!curve.IsNamed || curve.Oid is null) return null;
        return (curve.Oid.Value, curve.Oid.FriendlyName) switch
        {
            (KeyFileNames.P256Oid, _) or (_, "nistP256" or "ECDSA_P256") => KeyFileNames.EcdsaSha2Nistp256,
            (KeyFileNames.P384Oid, _) or (_, "nistP384" or "ECDSA_P384") => KeyFileNames.EcdsaSha2Nistp384,
            (KeyFileNames.P521Oid, _) or (_, "nistP521" or "ECDSA_P521") => KeyFileNames.EcdsaSha2Nistp521,
            _ => null,
        };
    }

    /// <summary>Creates an Ed25519 key from its 32-byte seed.</summary>
    public static SshPrivateKey CreateEd25519(ReadOnlySpan<byte> seed, string comment)
    {
        if (seed.Length != 32) throw SshKeyFileException.InvalidFormat("ed25519 private key must be 32 bytes");
        byte[] copy = seed.ToArray();
        try
        {
            return Construct(() => new Ed25519PrivateKey(copy) { Comment = comment });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }

    /// <summary>
    /// Creates an ECDSA key from exported or parsed parameters (Q and D), normalising the curve to the BCL's named
    /// NIST curve and padding D to the field size.
    /// </summary>
    public static SshPrivateKey CreateEcdsa(ECParameters parameters, string comment)
    {
        string keyType = KeyTypeForCurve(parameters.Curve)
            ?? throw new SshKeyFileException(SshKeyFileError.UnsupportedKeyType, "unsupported ECDSA curve " + (parameters.Curve.Oid?.Value ?? "(explicit)"));
        var (curve, _, fieldLength) = EcdsaCurveForKeyType(keyType)!.Value;
        if (parameters.D is null || parameters.Q.X is null || parameters.Q.Y is null) throw SshKeyFileException.InvalidFormat("incomplete ECDSA key");
        var normalised = new ECParameters
        {
            Curve = curve,
            Q = new ECPoint { X = PadLeft(parameters.Q.X, fieldLength), Y = PadLeft(parameters.Q.Y, fieldLength) },
            D = PadLeft(parameters.D, fieldLength),
        };
        try
        {
            return Construct(() => new EcdsaPrivateKey(normalised) { Comment = comment });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(normalised.D);
        }
    }

    /// <summary>
    /// Creates an RSA key from n, e, d, iqmp, p, q (unsigned big-endian, as openssh-key-v1 stores them), computing
    /// DP = d mod (p-1) and DQ = d mod (q-1), checking n = p*q, and sizing every field as <see cref="RSAParameters"/> requires.
    /// </summary>
    public static SshPrivateKey CreateRsa(
        ReadOnlySpan<byte> n, ReadOnlySpan<byte> e, ReadOnlySpan<byte> d, ReadOnlySpan<byte> iqmp, ReadOnlySpan<byte> p, ReadOnlySpan<byte> q, string comment)
    {
        var modulus = new BigInteger(n, isUnsigned: true, isBigEndian: true);
        long bits = modulus.IsZero ? 0 : modulus.GetBitLength();
        if (bits < MinRsaBits || bits > MaxRsaBits) throw SshKeyFileException.InvalidFormat($"RSA key length {bits} bits is out of range");
        // p and q are each shorter than n (and d is reduced below): refuse longer values before multiplying, which
        // for two values of hundreds of KiB would take seconds.
        int nLength = TrimmedLength(n);
        if (TrimmedLength(p) > nLength || TrimmedLength(q) > nLength || TrimmedLength(d) > nLength || TrimmedLength(iqmp) > nLength)
        {
            throw SshKeyFileException.InvalidFormat("RSA key component longer than the modulus");
        }
        var prime1 = new BigInteger(p, isUnsigned: true, isBigEndian: true);
        var prime2 = new BigInteger(q, isUnsigned: true, isBigEndian: true);
        var privateExponent = new BigInteger(d, isUnsigned: true, isBigEndian: true);
        if (prime1 <= BigInteger.One || prime2 <= BigInteger.One || prime1 * prime2 != modulus)
        {
            throw SshKeyFileException.InvalidFormat("RSA primes do not match the modulus");
        }

        int modulusLength = (int)((bits + 7) / 8);
        int halfLength = (modulusLength + 1) / 2;
        var parameters = new RSAParameters
        {
            Modulus = PadLeft(n, modulusLength),
            Exponent = PadLeft(e, Math.Max(TrimmedLength(e), 1)),
            D = PadLeft(d, modulusLength),
            P = PadLeft(p, halfLength),
            Q = PadLeft(q, halfLength),
            DP = PadLeft((privateExponent % (prime1 - 1)).ToByteArray(isUnsigned: true, isBigEndian: true), halfLength),
            DQ = PadLeft((privateExponent % (prime2 - 1)).ToByteArray(isUnsigned: true, isBigEndian: true), halfLength),
            InverseQ = PadLeft(iqmp, halfLength),
        };
        try
        {
            return Construct(() => new RsaPrivateKey(parameters) { Comment = comment });
        }
        finally
        {
            WipePrivate(parameters);
        }
    }

    /// <summary>Creates an RSA key from BCL parameters (as exported from a PKCS#1/PKCS#8 import).</summary>
    public static SshPrivateKey CreateRsa(RSAParameters parameters, string comment)
    {
        if (parameters.Modulus is null || parameters.Exponent is null || parameters.D is null || parameters.P is null
            || parameters.Q is null || parameters.InverseQ is null)
        {
            throw SshKeyFileException.InvalidFormat("incomplete RSA key");
        }
        return CreateRsa(parameters.Modulus, parameters.Exponent, parameters.D, parameters.InverseQ, parameters.P, parameters.Q, comment);
    }

    /// <summary>Zeroes the private fields of RSA parameters.</summary>
    public static void WipePrivate(RSAParameters parameters)
    {
        CryptographicOperations.ZeroMemory(parameters.D);
        CryptographicOperations.ZeroMemory(parameters.P);
        CryptographicOperations.ZeroMemory(parameters.Q);
        CryptographicOperations.ZeroMemory(parameters.DP);
        CryptographicOperations.ZeroMemory(parameters.DQ);
        CryptographicOperations.ZeroMemory(parameters.InverseQ);
    }

    private static int TrimmedLength(ReadOnlySpan<byte> value)
    {
        while (value.Length > 0 && value[0] == 0) value = value[1..];
        return value.Length;
    }

    /// <summary>Runs a key constructor, turning its complaints about bad key material into <see cref="SshKeyFileException"/>.</summary>
    private static SshPrivateKey Construct(Func<SshPrivateKey> create)
    {
        try
        {
            return create();
        }
        catch (CryptographicException e)
        {
            throw SshKeyFileException.InvalidFormat("invalid key: " + e.Message, e);
        }
        catch (ArgumentException e)
        {
            throw SshKeyFileException.InvalidFormat("invalid key: " + e.Message, e);
        }
        catch (SshProtocolException e)
        {
            throw SshKeyFileException.InvalidFormat("invalid key: " + e.Message, e);
        }
    }
}
