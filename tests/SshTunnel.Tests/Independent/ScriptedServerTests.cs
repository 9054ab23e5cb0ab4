namespace SshTunnel.Tests.Independent;

/// <summary>
/// sshtunnel -N with -L, -R, -R 0, -D and a reverse dynamic -R against a server of ours built on Node.js's ssh2
/// (assets/ssh2-server.js; it starts a key re-exchange after each direct-tcpip channel opens, and the test checks one
/// completed): its direct-tcpip and tcpip-forward handling is the library's own, the rest is glue. And the
/// library client with one algorithm combination per connection. ssh2 1.17's server offers
/// diffie-hellman-group-exchange-sha256 but fails it ("Group exchange not implemented for server"): not tested.
/// </summary>
[Trait("Category", "Interop")]
public sealed class NodeSsh2ServerTests : IClassFixture<NodeSsh2ServerFixture>
{
    private readonly NodeSsh2ServerFixture _fixture;

    public NodeSsh2ServerTests(NodeSsh2ServerFixture fixture) => _fixture = fixture;

    [NodeSsh2Fact]
    public async Task SshTunnel_LocalRemoteRemotePortZeroDynamicAndReverseDynamic()
    {
        IndependentServer server = await _fixture.GetAsync();
        await IndependentScenarios.AllForwardKindsAsync(server);
        Assert.Contains("rekeyed", server.Log, StringComparison.Ordinal);
    }

    [NodeSsh2Theory]
    [InlineData("curve25519-sha256", "chacha20-poly1305@openssh.com", null, true)]
    [InlineData("ecdh-sha2-nistp256", "aes128-gcm@openssh.com", null, false)]
    [InlineData("ecdh-sha2-nistp521", "aes256-ctr", "hmac-sha2-512-etm@openssh.com", true)]
    [InlineData("diffie-hellman-group14-sha256", "aes128-ctr", "hmac-sha2-256", false)]
    [InlineData("diffie-hellman-group16-sha512", "aes256-gcm@openssh.com", null, false)]
    public async Task Library_NegotiatesAndCarriesData(string kex, string cipher, string? mac, bool rekey) =>
        await IndependentScenarios.AlgorithmsAsync(await _fixture.GetAsync(), kex, "ssh-ed25519", cipher, mac, "ed25519", rekey: rekey);
}

/// <summary>
/// The same against a server of ours on Go's golang.org/x/crypto/ssh (assets/xcryptossh.go, compiled at test time):
/// its ServerConn handshake, channels and global requests with small handlers for direct-tcpip and tcpip-forward,
/// rekeying every 256 KiB; and
/// the library client with one algorithm combination per connection (Debian's x/crypto 0.4.0: no group exchange as a
/// server, no hmac-sha2-512, no AES-256-GCM).
/// </summary>
[Trait("Category", "Interop")]
public sealed class GoXCryptoServerTests : IClassFixture<GoXCryptoServerFixture>
{
    private readonly GoXCryptoServerFixture _fixture;

    public GoXCryptoServerTests(GoXCryptoServerFixture fixture) => _fixture = fixture;

    [GoXCryptoFact]
    public async Task SshTunnel_LocalRemoteRemotePortZeroDynamicAndReverseDynamic() =>
        await IndependentScenarios.AllForwardKindsAsync(await _fixture.GetAsync());

    [GoXCryptoTheory]
    [InlineData("curve25519-sha256@libssh.org", "chacha20-poly1305@openssh.com", null, true)]
    [InlineData("ecdh-sha2-nistp256", "aes128-gcm@openssh.com", null, true)]
    [InlineData("ecdh-sha2-nistp384", "aes256-ctr", "hmac-sha2-256-etm@openssh.com", false)]
    [InlineData("ecdh-sha2-nistp521", "aes128-ctr", "hmac-sha2-256", false)]
    [InlineData("diffie-hellman-group14-sha256", "aes192-ctr", "hmac-sha2-256", false)]
    public async Task Library_NegotiatesAndCarriesData(string kex, string cipher, string? mac, bool rekey) =>
        await IndependentScenarios.AlgorithmsAsync(await _fixture.GetAsync(), kex, "ssh-ed25519", cipher, mac, "ed25519", rekey: rekey);
}
