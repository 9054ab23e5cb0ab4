using System.Security.Cryptography;
using SshTunnel.Errors;

namespace SshTunnel.Transport.KeyExchange;

/// <summary>
/// ecdh-sha2-nistp256/384/521 (RFC 5656 §4, §7.1): Q_C/Q_S are uncompressed points 0x04||X||Y (SEC 1 §2.3.3),
/// K is the x-coordinate of the shared point as an unsigned big-endian integer.
/// </summary>
internal sealed class EcdhKeyAgreement : IKeyAgreement
{
    private readonly ECCurve _curve;
    private readonly int _fieldSize;
    private readonly ECDiffieHellman _ecdh;
    private readonly byte[] _publicValue;

    /// <summary>Creates an agreement with a fresh ephemeral key on <paramref name="curve"/>, whose field elements are <paramref name="fieldSize"/> bytes.</summary>
    public EcdhKeyAgreement(ECCurve curve, int fieldSize)
    {
        _curve = curve;
        _fieldSize = fieldSize;
        _ecdh = ECDiffieHellman.Create(curve);
        ECParameters parameters = _ecdh.ExportParameters(includePrivateParameters: false);
        _publicValue = new byte[1 + 2 * fieldSize];
        _publicValue[0] = 0x04;
        CopyPadded(parameters.Q.X!, _publicValue.AsSpan(1, fieldSize));
        CopyPadded(parameters.Q.Y!, _publicValue.AsSpan(1 + fieldSize, fieldSize));
    }

    /// <summary>nistp256 (secp256r1).</summary>
    public static EcdhKeyAgreement CreateNistp256() => new(ECCurve.NamedCurves.nistP256, 32);

    /// <summary>nistp384 (secp384r1).</summary>
    public static EcdhKeyAgreement CreateNistp384() => new(ECCurve.NamedCurves.nistP384, 48);

    /// <summary>nistp521 (secp521r1).</summary>
    public static EcdhKeyAgreement CreateNistp521() => new(ECCurve.NamedCurves.nistP521, 66);

    /// <inheritdoc/>
    public ReadOnlySpan<byte> PublicValue => _publicValue;

    /// <inheritdoc/>
    public bool PublicValueIsMPInt => false;

    /// <inheritdoc/>
    /// <exception cref="SshProtocolException">The peer's value is not an uncompressed point of the right size, or is not on the curve.</exception>
    /// <exception cref="ObjectDisposedException">The agreement was disposed.</exception>
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue)
    {
        if (peerPublicValue.Length != _publicValue.Length || peerPublicValue[0] != 0x04)
        {
            throw new SshProtocolException(
                $"ECDH public value must be an uncompressed point of {_publicValue.Length} bytes starting 0x04, got {peerPublicValue.Length} bytes",
                DisconnectReason.KeyExchangeFailed);
        }
        var peerParameters = new ECParameters
        {
            Curve = _curve,
            Q = new ECPoint
            {
                X = peerPublicValue.Slice(1, _fieldSize).ToArray(),
                Y = peerPublicValue.Slice(1 + _fieldSize, _fieldSize).ToArray(),
            },
        };
        try
        {
            // Importing checks that the point is on the curve.
            using ECDiffieHellman peer = ECDiffieHellman.Create(peerParameters);
            using ECDiffieHellmanPublicKey peerKey = peer.PublicKey;
            return _ecdh.DeriveRawSecretAgreement(peerKey);
        }
        catch (CryptographicException)
        {
            throw new SshProtocolException("ECDH public value is not a valid point on the curve", DisconnectReason.KeyExchangeFailed);
        }
    }

    /// <summary>Releases the ephemeral key.</summary>
    public void Dispose() => _ecdh.Dispose();

    private static void CopyPadded(byte[] value, Span<byte> destination)
    {
        destination.Clear();
        value.CopyTo(destination[(destination.Length - value.Length)..]);
    }
}
