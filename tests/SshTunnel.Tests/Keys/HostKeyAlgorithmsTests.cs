using SshTunnel.Keys;

namespace SshTunnel.Tests.Keys;

public class HostKeyAlgorithmsTests
{
    [Fact]
    public void All_InPreferenceOrder()
    {
        Assert.Equal(
            ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"],
            HostKeyAlgorithms.All);
    }

    [Theory]
    [InlineData("rsa-sha2-512", "ssh-rsa")]
    [InlineData("rsa-sha2-256", "ssh-rsa")]
    [InlineData("ssh-ed25519", "ssh-ed25519")]
    [InlineData("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256")]
    [InlineData("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384")]
    [InlineData("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521")]
    public void KeyTypeFor_MapsSignatureAlgorithm(string algorithm, string keyType) => Assert.Equal(keyType, HostKeyAlgorithms.KeyTypeFor(algorithm));

    [Theory]
    [InlineData("ssh-rsa")]
    [InlineData("ssh-dss")]
    [InlineData("")]
    public void KeyTypeFor_Unsupported_Throws(string algorithm) => Assert.Throws<ArgumentException>(() => HostKeyAlgorithms.KeyTypeFor(algorithm));

    [Fact]
    public void EveryAlgorithm_IsOfferedByAKeyOfItsType()
    {
        using SshPrivateKey ed = Ed25519PrivateKey.Generate();
        SshPublicKey rsa = FixtureKeys.PublicKey(OpenSshKeyFixture.Get("Rsa2048"));
        SshPublicKey[] keys = [ed.PublicKey, rsa, .. new[] { "Ecdsa256", "Ecdsa384", "Ecdsa521" }.Select(n => FixtureKeys.PublicKey(OpenSshKeyFixture.Get(n)))];
        foreach (string algorithm in HostKeyAlgorithms.All)
        {
            SshPublicKey key = keys.Single(k => k.KeyType == HostKeyAlgorithms.KeyTypeFor(algorithm));
            Assert.Contains(algorithm, key.SignatureAlgorithms);
        }
    }
}
