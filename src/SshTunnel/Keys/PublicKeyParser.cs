using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>Dispatches a public key blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4) to the parser for its type.</summary>
internal static class PublicKeyParser
{
    /// <summary>Parses a blob; see <see cref="SshPublicKey.Parse"/>.</summary>
    /// <exception cref="SshProtocolException">The blob is truncated, has trailing bytes, is of an unsupported type, or holds an invalid key.</exception>
    public static SshPublicKey Parse(ReadOnlySpan<byte> blob)
    {
        var reader = new SshReader(blob);
        string type = reader.ReadAsciiString();
        switch (type)
        {
            case AlgorithmNames.SshEd25519:
            {
                ReadOnlySpan<byte> publicKey = reader.ReadStringBytes();
                reader.ReadEnd();
                return new Ed25519PublicKey(publicKey);
            }
            case AlgorithmNames.SshRsa:
            {
                ReadOnlySpan<byte> e = reader.ReadUnsignedMPIntBytes();
                ReadOnlySpan<byte> n = reader.ReadUnsignedMPIntBytes();
                reader.ReadEnd();
                return new RsaPublicKey(new RSAParameters { Exponent = e.ToArray(), Modulus = n.ToArray() });
            }
            case AlgorithmNames.EcdsaSha2Nistp256:
            case AlgorithmNames.EcdsaSha2Nistp384:
            case AlgorithmNames.EcdsaSha2Nistp521:
            {
                EcdsaCurve curve = EcdsaCurve.FromKeyType(type)!;
                string curveName = reader.ReadAsciiString();
                if (curveName != curve.Name) throw new SshProtocolException($"{type} key names curve {curveName}");
                ECPoint q = curve.DecodePoint(reader.ReadStringBytes());
                reader.ReadEnd();
                return new EcdsaPublicKey(new ECParameters { Curve = curve.Curve, Q = q });
            }
            default:
                throw new SshProtocolException($"unsupported public key type {type}");
        }
    }
}
