using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Transport.KeyExchange;

namespace SshTunnel.Tests.KeyExchange;

public class EcdhTests
{
    public static TheoryData<string, int> Methods => new()
    {
        { "ecdh-sha2-nistp256", 32 },
        { "ecdh-sha2-nistp384", 48 },
        { "ecdh-sha2-nistp521", 66 },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void PublicValueIsUncompressedPoint_AndKIsXCoordinateOfSharedPoint(string kex, int fieldSize)
    {
        using IKeyAgreement client = KeyAgreementFactory.Create(kex);
        using IKeyAgreement server = KeyAgreementFactory.Create(kex);
        Assert.False(client.PublicValueIsMPInt);
        Assert.Equal(1 + 2 * fieldSize, client.PublicValue.Length);
        Assert.Equal(0x04, client.PublicValue[0]);

        byte[] k = client.DeriveSharedSecret(server.PublicValue);
        Assert.Equal(k, server.DeriveSharedSecret(client.PublicValue));
        Assert.Equal(fieldSize, k.Length);
    }

    [Fact]
    public void K_MatchesIndependentDerivation()
    {
        // Cross-check against the BCL's own hash-free derivation with an explicitly imported peer.
        using var client = EcdhKeyAgreement.CreateNistp256();
        using ECDiffieHellman server = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        ECParameters serverParameters = server.ExportParameters(false);
        byte[] serverPoint = [0x04, .. serverParameters.Q.X!, .. serverParameters.Q.Y!];
        byte[] k = client.DeriveSharedSecret(serverPoint);

        var clientPoint = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = client.PublicValue.Slice(1, 32).ToArray(), Y = client.PublicValue.Slice(33, 32).ToArray() },
        };
        using ECDiffieHellman clientPublic = ECDiffieHellman.Create(clientPoint);
        using ECDiffieHellmanPublicKey clientKey = clientPublic.PublicKey;
        Assert.Equal(server.DeriveRawSecretAgreement(clientKey), k);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void OffCurvePoint_Rejected(string kex, int fieldSize)
    {
        using IKeyAgreement client = KeyAgreementFactory.Create(kex);
        using IKeyAgreement server = KeyAgreementFactory.Create(kex);
        byte[] bad = server.PublicValue.ToArray();
        bad[^1] ^= 1;
        SshProtocolException error = Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(bad));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, error.Reason);

        byte[] zero = new byte[1 + 2 * fieldSize];
        zero[0] = 0x04;
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(zero));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void WrongEncodingOrLength_Rejected(string kex, int fieldSize)
    {
        using IKeyAgreement client = KeyAgreementFactory.Create(kex);
        using IKeyAgreement server = KeyAgreementFactory.Create(kex);
        byte[] good = server.PublicValue.ToArray();
        byte[] compressed = [(byte)(0x02 | (good[^1] & 1)), .. good.AsSpan(1, fieldSize)];
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(compressed));
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(good.AsSpan(0, good.Length - 1)));
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret([.. good, 0]));
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret([]));
        byte[] hybrid = (byte[])good.Clone();
        hybrid[0] = 0x06;
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(hybrid));
        Assert.Equal(client.DeriveSharedSecret(good), server.DeriveSharedSecret(client.PublicValue));
    }

    [Fact]
    public void PointFromAnotherCurve_Rejected()
    {
        using IKeyAgreement p256 = KeyAgreementFactory.Create("ecdh-sha2-nistp256");
        using IKeyAgreement p384 = KeyAgreementFactory.Create("ecdh-sha2-nistp384");
        Assert.Throws<SshProtocolException>(() => p256.DeriveSharedSecret(p384.PublicValue));
    }
}
