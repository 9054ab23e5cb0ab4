namespace SshTunnel.Tests.Independent;

/// <summary>
/// sshtunnel and the library client against Dropbear's server (dropbear-bin): every forward kind end to end, and
/// what Dropbear 2022.83 negotiates (kex: curve25519, ECDH P-256/384/521, DH group14-sha256; ciphers: chacha20-poly1305,
/// aes128/256-ctr with hmac-sha2-256 only, no EtM; host keys: ed25519, ECDSA, RSA with rsa-sha2-256).
/// </summary>
[Trait("Category", "Interop")]
public sealed class DropbearServerTests : IClassFixture<DropbearFixture>
{
    private readonly DropbearFixture _fixture;

    public DropbearServerTests(DropbearFixture fixture) => _fixture = fixture;

    [DropbearFact]
    public async Task SshTunnel_LocalRemoteRemotePortZeroDynamicAndReverseDynamic() =>
        await IndependentScenarios.AllForwardKindsAsync(await _fixture.GetAsync());

    [DropbearTheory]
    [InlineData("curve25519-sha256", "ssh-ed25519", "chacha20-poly1305@openssh.com", null, "ed25519", false, true)]
    [InlineData("curve25519-sha256@libssh.org", "ecdsa-sha2-nistp256", "aes128-ctr", "hmac-sha2-256", "ecdsa256", false, false)]
    [InlineData("ecdh-sha2-nistp256", "rsa-sha2-256", "aes256-ctr", "hmac-sha2-256", "rsa2048", false, true)]
    [InlineData("ecdh-sha2-nistp384", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256", "ecdsa384", true, true)] // zlib restarts at each NEWKEYS
    [InlineData("ecdh-sha2-nistp521", "ecdsa-sha2-nistp256", "chacha20-poly1305@openssh.com", null, "ecdsa521", false, false)]
    [InlineData("diffie-hellman-group14-sha256", "ssh-ed25519", "aes256-ctr", "hmac-sha2-256", "ed25519", false, false)]
    public async Task Library_NegotiatesAndCarriesData(string kex, string hostKey, string cipher, string? mac, string userKey, bool compression, bool rekey) =>
        await IndependentScenarios.AlgorithmsAsync(await _fixture.GetAsync(), kex, hostKey, cipher, mac, userKey, compression, rekey);
}
