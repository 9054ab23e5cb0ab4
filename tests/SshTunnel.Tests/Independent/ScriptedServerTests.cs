namespace SshTunnel.Tests.Independent;

/// <summary>
/// sshtunnel -N with -L, -R, -R 0, -D and a reverse dynamic -R against a server of ours built on Node.js's ssh2
/// (assets/ssh2-server.js): its direct-tcpip and tcpip-forward handling is the library's own, the rest is glue.
/// </summary>
[Trait("Category", "Interop")]
public sealed class NodeSsh2ServerTests : IClassFixture<NodeSsh2ServerFixture>
{
    private readonly NodeSsh2ServerFixture _fixture;

    public NodeSsh2ServerTests(NodeSsh2ServerFixture fixture) => _fixture = fixture;

    [NodeSsh2Fact]
    public async Task SshTunnel_LocalRemoteRemotePortZeroDynamicAndReverseDynamic() =>
        await IndependentScenarios.AllForwardKindsAsync(await _fixture.GetAsync());
}

/// <summary>
/// The same against a server of ours on Go's golang.org/x/crypto/ssh (assets/xcryptossh.go, compiled at test time):
/// its ServerConn handshake, channels and global requests with small handlers for direct-tcpip and tcpip-forward.
/// </summary>
[Trait("Category", "Interop")]
public sealed class GoXCryptoServerTests : IClassFixture<GoXCryptoServerFixture>
{
    private readonly GoXCryptoServerFixture _fixture;

    public GoXCryptoServerTests(GoXCryptoServerFixture fixture) => _fixture = fixture;

    [GoXCryptoFact]
    public async Task SshTunnel_LocalRemoteRemotePortZeroDynamicAndReverseDynamic() =>
        await IndependentScenarios.AllForwardKindsAsync(await _fixture.GetAsync());
}
