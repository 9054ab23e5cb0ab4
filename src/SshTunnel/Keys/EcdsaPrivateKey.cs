using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>An ecdsa-sha2-nistp256/384/521 private key (RFC 5656), held by the platform's <see cref="ECDsa"/>.</summary>
internal sealed class EcdsaPrivateKey : SshPrivateKey, IOpenSshPrivateKeyFields
{
    private readonly ECDsa _ecdsa;
    private readonly EcdsaPublicKey _publicKey;
    private bool _disposed;

    /// <summary>
    /// Creates the key from its curve, private scalar D and (optionally) public point Q. The caller keeps ownership
    /// of the arrays in <paramref name="parameters"/> (and should zero D itself).
    /// </summary>
    /// <exception cref="SshProtocolException">The curve is unsupported, D is missing or too long, or D and Q are not a valid key pair.</exception>
    public EcdsaPrivateKey(ECParameters parameters)
    {
        EcdsaCurve curve = EcdsaCurve.FromCurve(parameters.Curve);
        byte[] d = curve.PadToFieldSize(parameters.D, "private scalar");
        try
        {
            var normalized = new ECParameters { Curve = curve.Curve, D = d };
            if (parameters.Q.X is not null || parameters.Q.Y is not null)
            {
                normalized.Q = new ECPoint { X = curve.PadToFieldSize(parameters.Q.X, "point X"), Y = curve.PadToFieldSize(parameters.Q.Y, "point Y") };
            }
            _ecdsa = ECDsa.Create();
            try
            {
                _ecdsa.ImportParameters(normalized);
            }
            catch (CryptographicException)
            {
                _ecdsa.Dispose();
                throw new SshProtocolException($"invalid {curve.Name} ECDSA private key");
            }
            _publicKey = new EcdsaPublicKey(_ecdsa.ExportParameters(includePrivateParameters: false));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
    }

    /// <summary>Generates a new random key on <paramref name="curve"/> (nistP256, nistP384 or nistP521).</summary>
    /// <exception cref="SshProtocolException">The curve is unsupported.</exception>
    public static EcdsaPrivateKey Generate(ECCurve curve)
    {
        using ECDsa ecdsa = ECDsa.Create(EcdsaCurve.FromCurve(curve).Curve);
        ECParameters parameters = ecdsa.ExportParameters(includePrivateParameters: true);
        try
        {
            return new EcdsaPrivateKey(parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    /// <inheritdoc/>
    public override SshPublicKey PublicKey => _publicKey;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="signatureAlgorithm"/> is not this key's type.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    internal override ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        EcdsaCurve curve = _publicKey.Curve;
        if (signatureAlgorithm != curve.KeyType)
        {
            throw new ArgumentException($"an {curve.KeyType} key cannot sign with {signatureAlgorithm}", nameof(signatureAlgorithm));
        }
        byte[] p1363 = _ecdsa.SignData(data.Span, curve.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var inner = new SshWriter(2 * curve.FieldSize + 16);
        byte[] signature;
        try
        {
            inner.WriteMPInt(p1363.AsSpan(0, curve.FieldSize));
            inner.WriteMPInt(p1363.AsSpan(curve.FieldSize));
            signature = SignatureBlob.Create(curve.KeyType, inner.WrittenSpan);
        }
        finally
        {
            inner.Dispose();
        }
        return ValueTask.FromResult(signature);
    }

    /// <inheritdoc/>
    void IOpenSshPrivateKeyFields.WriteOpenSshPrivateFields(ref SshWriter writer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ECParameters parameters = _ecdsa.ExportParameters(includePrivateParameters: true);
        try
        {
            EcdsaCurve curve = _publicKey.Curve;
            writer.WriteString(curve.Name);
            writer.WriteString(curve.EncodePoint(parameters.Q));
            writer.WriteMPInt(parameters.D!);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed) _ecdsa.Dispose();
        _disposed = true;
        base.Dispose(disposing);
    }
}
