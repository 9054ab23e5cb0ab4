using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>
/// One of the three NIST curves of ecdsa-sha2-nistp* (RFC 5656 §6.2, §10.1): its SSH names, .NET curve, field size and
/// signature hash (RFC 5656 §6.2.1).
/// </summary>
internal sealed class EcdsaCurve
{
    /// <summary>nistp256 (secp256r1), SHA-256.</summary>
    public static readonly EcdsaCurve Nistp256 = new(
        "nistp256", AlgorithmNames.EcdsaSha2Nistp256, ECCurve.NamedCurves.nistP256, "1.2.840.10045.3.1.7", 32, HashAlgorithmName.SHA256,
        ["nistP256", "ECDSA_P256", "secp256r1", "prime256v1", "P-256"]);

    /// <summary>nistp384 (secp384r1), SHA-384.</summary>
    public static readonly EcdsaCurve Nistp384 = new(
        "nistp384", AlgorithmNames.EcdsaSha2Nistp384, ECCurve.NamedCurves.nistP384, "1.3.132.0.34", 48, HashAlgorithmName.SHA384,
        ["nistP384", "ECDSA_P384", "secp384r1", "P-384"]);

    /// <summary>nistp521 (secp521r1), SHA-512.</summary>
    public static readonly EcdsaCurve Nistp521 = new(
        "nistp521", AlgorithmNames.EcdsaSha2Nistp521, ECCurve.NamedCurves.nistP521, "1.3.132.0.35", 66, HashAlgorithmName.SHA512,
        ["nistP521", "ECDSA_P521", "secp521r1", "P-521"]);

    private static readonly EcdsaCurve[] All = [Nistp256, Nistp384, Nistp521];

    private readonly string[] _friendlyNames;

    private EcdsaCurve(string name, string keyType, ECCurve curve, string oid, int fieldSize, HashAlgorithmName hash, string[] friendlyNames)
    {
        Name = name;
        KeyType = keyType;
        Curve = curve;
        Oid = oid;
        FieldSize = fieldSize;
        Hash = hash;
        _friendlyNames = friendlyNames;
    }

    /// <summary>The SSH curve identifier, e.g. "nistp256".</summary>
    public string Name { get; }

    /// <summary>The key type and signature algorithm, e.g. "ecdsa-sha2-nistp256".</summary>
    public string KeyType { get; }

    /// <summary>The .NET named curve.</summary>
    public ECCurve Curve { get; }

    /// <summary>The curve's OID in dotted form.</summary>
    public string Oid { get; }

    /// <summary>Size of a field element and of the order, in bytes (32, 48, 66).</summary>
    public int FieldSize { get; }

    /// <summary>The signature hash.</summary>
    public HashAlgorithmName Hash { get; }

    /// <summary>Length of an uncompressed point 0x04||X||Y, in bytes.</summary>
    public int PointLength => 1 + 2 * FieldSize;

    /// <summary>Finds the curve for a key type such as "ecdsa-sha2-nistp256", or null.</summary>
    public static EcdsaCurve? FromKeyType(string keyType) => Array.Find(All, c => c.KeyType == keyType);

    /// <summary>Finds the curve of <paramref name="curve"/> by OID value or friendly name.</summary>
    /// <exception cref="SshProtocolException">The curve is not named or not one of nistp256/384/521.</exception>
    public static EcdsaCurve FromCurve(ECCurve curve)
    {
        if (curve.IsNamed && curve.Oid is { } oid)
        {
            foreach (EcdsaCurve candidate in All)
            {
                if (oid.Value == candidate.Oid) return candidate;
                if (oid.FriendlyName is { } friendly && Array.Exists(candidate._friendlyNames, n => string.Equals(n, friendly, StringComparison.OrdinalIgnoreCase)))
                {
                    return candidate;
                }
            }
        }
        throw new SshProtocolException("unsupported ECDSA curve (expected nistp256, nistp384 or nistp521)");
    }

    /// <summary>Returns the unsigned big-endian <paramref name="value"/> left-padded with zeros to <see cref="FieldSize"/> bytes.</summary>
    /// <exception cref="SshProtocolException">The value is missing or longer than a field element.</exception>
    public byte[] PadToFieldSize(byte[]? value, string what)
    {
        if (value is null) throw new SshProtocolException($"ECDSA {what} is missing");
        ReadOnlySpan<byte> trimmed = value;
        while (trimmed.Length > FieldSize && trimmed[0] == 0) trimmed = trimmed[1..];
        if (trimmed.Length > FieldSize) throw new SshProtocolException($"ECDSA {what} is too long for {Name}");
        byte[] result = new byte[FieldSize];
        trimmed.CopyTo(result.AsSpan(FieldSize - trimmed.Length));
        return result;
    }

    /// <summary>Encodes <paramref name="q"/> as an uncompressed point 0x04||X||Y (SEC 1 §2.3.3).</summary>
    public byte[] EncodePoint(ECPoint q)
    {
        byte[] point = new byte[PointLength];
        point[0] = 0x04;
        PadToFieldSize(q.X, "point X").CopyTo(point, 1);
        PadToFieldSize(q.Y, "point Y").CopyTo(point, 1 + FieldSize);
        return point;
    }

    /// <summary>Decodes an uncompressed point 0x04||X||Y; compressed and infinity encodings are refused (as OpenSSH emits neither).</summary>
    /// <exception cref="SshProtocolException">The encoding is not an uncompressed point of this curve's size.</exception>
    public ECPoint DecodePoint(ReadOnlySpan<byte> point)
    {
        if (point.Length != PointLength || point[0] != 0x04)
        {
            throw new SshProtocolException($"ECDSA public point must be an uncompressed {Name} point ({PointLength} bytes starting 0x04)");
        }
        return new ECPoint
        {
            X = point.Slice(1, FieldSize).ToArray(),
            Y = point.Slice(1 + FieldSize, FieldSize).ToArray(),
        };
    }
}
