using System.Security.Cryptography;
using SshTunnel.Transport.KeyExchange;

namespace SshTunnel.Tests.KeyExchange;

public class KeyAgreementFactoryTests
{
    [Fact]
    public void AlgorithmLists()
    {
        Assert.Equal(
            [
                "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
                "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
                "diffie-hellman-group14-sha256",
            ],
            KeyAgreementFactory.ClientAlgorithms);
        Assert.Equal(
            ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"],
            KeyAgreementFactory.ServerAlgorithms);
    }

    [Theory]
    [InlineData("curve25519-sha256", "SHA256")]
    [InlineData("curve25519-sha256@libssh.org", "SHA256")]
    [InlineData("ecdh-sha2-nistp256", "SHA256")]
    [InlineData("ecdh-sha2-nistp384", "SHA384")]
    [InlineData("ecdh-sha2-nistp521", "SHA512")]
    [InlineData("diffie-hellman-group-exchange-sha256", "SHA256")]
    [InlineData("diffie-hellman-group14-sha256", "SHA256")]
    [InlineData("diffie-hellman-group16-sha512", "SHA512")]
    [InlineData("diffie-hellman-group18-sha512", "SHA512")]
    public void HashAlgorithm(string kex, string hash)
    {
        Assert.Equal(new HashAlgorithmName(hash), KeyAgreementFactory.GetHashAlgorithm(kex));
        Assert.Equal(kex == "diffie-hellman-group-exchange-sha256", KeyAgreementFactory.IsGroupExchange(kex));
    }

    [Theory]
    [InlineData("curve25519-sha256")]
    [InlineData("curve25519-sha256@libssh.org")]
    [InlineData("ecdh-sha2-nistp256")]
    [InlineData("ecdh-sha2-nistp384")]
    [InlineData("ecdh-sha2-nistp521")]
    public void EllipticMethods_ClientAndServerAgree(string kex)
    {
        using IKeyAgreement client = KeyAgreementFactory.Create(kex);
        using IKeyAgreement server = KeyAgreementFactory.Create(kex);
        byte[] k = client.DeriveSharedSecret(server.PublicValue);
        Assert.Equal(k, server.DeriveSharedSecret(client.PublicValue));
        Assert.Contains(k, b => b != 0);
    }

    [Theory]
    [InlineData("diffie-hellman-group-exchange-sha256")]
    [InlineData("diffie-hellman-group1-sha1")]
    [InlineData("mlkem768x25519-sha256")]
    [InlineData("")]
    public void Create_UnknownOrGroupExchange_Throws(string kex)
    {
        Assert.Throws<ArgumentException>(() => KeyAgreementFactory.Create(kex));
        if (kex != "diffie-hellman-group-exchange-sha256") Assert.Throws<ArgumentException>(() => KeyAgreementFactory.GetHashAlgorithm(kex));
    }

    [Theory]
    [InlineData(112, 2048)]
    [InlineData(128, 3072)]
    [InlineData(192, 7680)]
    [InlineData(256, 8192)]
    public void EstimateGroupBits_AsOpenSsh(int securityBits, int groupBits) => Assert.Equal(groupBits, KeyAgreementFactory.EstimateGroupBits(securityBits));
}
