using System.Security.Cryptography;
using SshTunnel.Keys;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Keys;

/// <summary>Builds our key objects from the ssh-keygen fixtures' private fields (a minimal reader, only for these tests).</summary>
internal static class FixtureKeys
{
    public static SshPublicKey PublicKey(OpenSshKeyFixture fixture) => SshPublicKey.ParseOpenSshString(fixture.PublicKeyLine);

    public static SshPrivateKey PrivateKey(OpenSshKeyFixture fixture)
    {
        byte[] fields = Convert.FromBase64String(fixture.PrivateFieldsBase64);
        var reader = new SshReader(fields);
        SshPrivateKey key;
        switch (PublicKey(fixture).KeyType)
        {
            case "ssh-ed25519":
            {
                reader.ReadStringBytes(); // pub
                ReadOnlySpan<byte> seedAndPublic = reader.ReadStringBytes();
                key = new Ed25519PrivateKey(seedAndPublic[..32]);
                break;
            }
            case "ssh-rsa":
            {
                byte[] n = reader.ReadUnsignedMPIntBytes().ToArray();
                byte[] e = reader.ReadUnsignedMPIntBytes().ToArray();
                byte[] d = reader.ReadUnsignedMPIntBytes().ToArray();
                byte[] iqmp = reader.ReadUnsignedMPIntBytes().ToArray();
                byte[] p = reader.ReadUnsignedMPIntBytes().ToArray();
                byte[] q = reader.ReadUnsignedMPIntBytes().ToArray();
                key = new RsaPrivateKey(new RSAParameters { Modulus = n, Exponent = e, D = d, InverseQ = iqmp, P = p, Q = q });
                break;
            }
            default:
            {
                string curve = reader.ReadAsciiString();
                ReadOnlySpan<byte> point = reader.ReadStringBytes();
                byte[] d = reader.ReadUnsignedMPIntBytes().ToArray();
                int size = (point.Length - 1) / 2;
                key = new EcdsaPrivateKey(new ECParameters
                {
                    Curve = ECCurve.CreateFromFriendlyName(curve switch { "nistp256" => "nistP256", "nistp384" => "nistP384", _ => "nistP521" }),
                    Q = new ECPoint { X = point.Slice(1, size).ToArray(), Y = point.Slice(1 + size, size).ToArray() },
                    D = d,
                });
                break;
            }
        }
        reader.ReadEnd();
        return key;
    }

    /// <summary>The data an SSHSIG signature covers (OpenSSH PROTOCOL.sshsig): "SSHSIG", namespace, reserved, hash algorithm, H(message).</summary>
    public static byte[] SshSigSignedData(string message, string ns)
    {
        var writer = new SshWriter(256);
        writer.WriteBytes("SSHSIG"u8);
        writer.WriteString(ns);
        writer.WriteString(""u8);
        writer.WriteString("sha512");
        writer.WriteString(SHA512.HashData(System.Text.Encoding.UTF8.GetBytes(message)));
        return writer.ToArray();
    }
}
