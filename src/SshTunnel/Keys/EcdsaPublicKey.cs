using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>
/// An ecdsa-sha2-nistp256/384/521 public key (RFC 5656 §3.1): blob = string "ecdsa-sha2-[identifier]",
/// string identifier ("nistp256"...), string Q (uncompressed point 0x04||X||Y).
/// </summary>
internal sealed class EcdsaPublicKey : SshPublicKey
{
    private readonly EcdsaCurve _curve;
    private readonly ECParameters _parameters;

    /// <summary>Creates the key from its curve and public point Q (<see cref="ECParameters.D"/> is ignored).</summary>
    /// <exception cref="SshProtocolException">The curve is not nistp256/384/521, or Q is missing, too long or not on the curve.</exception>
    public EcdsaPublicKey(ECParameters parameters) : this(Prepare(parameters)) { }

    private EcdsaPublicKey((EcdsaCurve Curve, ECParameters Parameters, byte[] Blob) prepared) : base(prepared.Blob)
    {
        _curve = prepared.Curve;
        _parameters = prepared.Parameters;
    }

    /// <inheritdoc/>
    public override string KeyType => _curve.KeyType;

    /// <summary>The curve.</summary>
    internal EcdsaCurve Curve => _curve;

    /// <summary>The encoded public point 0x04||X||Y.</summary>
    internal byte[] EncodedPoint => _curve.EncodePoint(_parameters.Q);

    /// <summary>
    /// Verifies an RFC 5656 §3.1.2 signature (the inner string: mpint r, mpint s). Returns false for another algorithm,
    /// malformed or trailing data, r or s not in the field size, or a signature that does not verify.
    /// </summary>
    internal override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signatureAlgorithm != _curve.KeyType) return false;
        int size = _curve.FieldSize;
        Span<byte> p1363 = stackalloc byte[2 * size];
        p1363.Clear();
        try
        {
            var reader = new SshReader(signature);
            ReadOnlySpan<byte> r = reader.ReadUnsignedMPIntBytes();
            ReadOnlySpan<byte> s = reader.ReadUnsignedMPIntBytes();
            reader.ReadEnd();
            if (r.Length == 0 || s.Length == 0 || r.Length > size || s.Length > size) return false;
            r.CopyTo(p1363[(size - r.Length)..size]);
            s.CopyTo(p1363[(2 * size - s.Length)..]);
            using ECDsa ecdsa = ECDsa.Create(_parameters);
            return ecdsa.VerifyData(data, p1363, _curve.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (SshProtocolException)
        {
            return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static (EcdsaCurve, ECParameters, byte[]) Prepare(ECParameters parameters)
    {
        EcdsaCurve curve = EcdsaCurve.FromCurve(parameters.Curve);
        var publicParameters = new ECParameters
        {
            Curve = curve.Curve,
            Q = new ECPoint { X = curve.PadToFieldSize(parameters.Q.X, "point X"), Y = curve.PadToFieldSize(parameters.Q.Y, "point Y") },
        };
        try
        {
            // Importing checks that Q is on the curve (and not the point at infinity).
            using ECDsa check = ECDsa.Create(publicParameters);
        }
        catch (CryptographicException)
        {
            throw new SshProtocolException($"ECDSA public key is not a valid {curve.Name} point");
        }
        var writer = new SshWriter(32 + curve.PointLength);
        writer.WriteString(curve.KeyType);
        writer.WriteString(curve.Name);
        writer.WriteString(curve.EncodePoint(publicParameters.Q));
        return (curve, publicParameters, writer.ToArray());
    }
}
