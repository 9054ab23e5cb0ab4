using SshTunnel.Errors;
using SshTunnel.Transport.KeyExchange;

namespace SshTunnel.Tests.KeyExchange;

public class X25519Tests
{
    [Theory]
    // RFC 7748 §5.2, the two single-call vectors.
    [InlineData(
        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")]
    [InlineData(
        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")]
    public void Rfc7748_Section5_2_Vectors(string scalarHex, string uHex, string expectedHex)
    {
        byte[] result = new byte[32];
        X25519Backend.ScalarMult(Convert.FromHexString(scalarHex), Convert.FromHexString(uHex), result);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(result));
    }

    [Fact]
    public void Rfc7748_Section5_2_Iterated_1_And_1000()
    {
        byte[] k = new byte[32];
        byte[] u = new byte[32];
        k[0] = 9;
        u[0] = 9;
        byte[] result = new byte[32];
        for (int i = 1; i <= 1000; i++)
        {
            X25519Backend.ScalarMult(k, u, result);
            (u, k) = (k, (byte[])result.Clone());
            if (i == 1) Assert.Equal("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", Convert.ToHexStringLower(k));
        }
        Assert.Equal("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", Convert.ToHexStringLower(k));
    }

    [Fact]
    public void Rfc7748_Section6_1_DiffieHellman_ThroughKeyAgreement()
    {
        using var alice = new Curve25519KeyAgreement(Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        using var bob = new Curve25519KeyAgreement(Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", Convert.ToHexStringLower(alice.PublicValue));
        Assert.Equal("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", Convert.ToHexStringLower(bob.PublicValue));
        const string Shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        Assert.Equal(Shared, Convert.ToHexStringLower(alice.DeriveSharedSecret(bob.PublicValue)));
        Assert.Equal(Shared, Convert.ToHexStringLower(bob.DeriveSharedSecret(alice.PublicValue)));
        Assert.False(alice.PublicValueIsMPInt);
    }

    public static TheoryData<string> LowOrderPoints => new()
    {
        "0000000000000000000000000000000000000000000000000000000000000000", // 0
        "0100000000000000000000000000000000000000000000000000000000000000", // 1
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p - 1
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (= 0)
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1 (= 1)
    };

    [Theory]
    [MemberData(nameof(LowOrderPoints))]
    public void LowOrderPeerValue_AllZeroSecret_Rejected(string pointHex)
    {
        using var agreement = new Curve25519KeyAgreement();
        SshProtocolException error = Assert.Throws<SshProtocolException>(() => agreement.DeriveSharedSecret(Convert.FromHexString(pointHex)));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, error.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(65)]
    public void WrongLengthPeerValue_Rejected(int length)
    {
        using var agreement = new Curve25519KeyAgreement();
        byte[] peer = new byte[length];
        if (length > 0) peer[0] = 9;
        Assert.Throws<SshProtocolException>(() => agreement.DeriveSharedSecret(peer));
    }

    [Fact]
    public void RandomAgreements_Match_AndDisposeStopsUse()
    {
        var client = new Curve25519KeyAgreement();
        using var server = new Curve25519KeyAgreement();
        Assert.Equal(32, client.PublicValue.Length);
        Assert.False(client.PublicValue.SequenceEqual(server.PublicValue));
        Assert.Equal(client.DeriveSharedSecret(server.PublicValue), server.DeriveSharedSecret(client.PublicValue));
        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.DeriveSharedSecret(server.PublicValue));
    }
}
