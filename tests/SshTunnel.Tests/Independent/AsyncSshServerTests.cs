using SshTunnel.Tests.Interop;

namespace SshTunnel.Tests.Independent;

/// <summary>
/// sshtunnel and the library client against AsyncSSH's server (python3-asyncssh). AsyncSSH 2.10 names port 0, as
/// requested, in forwarded-tcpip for a "-R 0" forward; the client accepts that when only one forward can be meant.
/// </summary>
[Trait("Category", "Interop")]
public sealed class AsyncSshServerTests : IClassFixture<AsyncSshFixture>
{
    private readonly AsyncSshFixture _fixture;

    public AsyncSshServerTests(AsyncSshFixture fixture) => _fixture = fixture;

    [AsyncSshFact]
    public async Task SshTunnel_LocalRemoteRemotePortZeroDynamicAndReverseDynamic() =>
        await IndependentScenarios.AllForwardKindsAsync(await _fixture.GetAsync());

    /// <summary>The server refuses "session" channels (no session handler): as ssh, a clear line and status 255.</summary>
    [AsyncSshFact]
    public async Task SshTunnel_RefusedSession_IsReportedAsSshDoes()
    {
        IndependentServer server = await _fixture.GetAsync();
        await using CliProcess cli = CliProcess.StartSshTunnel([.. IndependentScenarios.CommonArgs(server), $"{IndependentServer.UserName}@127.0.0.1", "true"]);
        var (exit, errors, _) = await cli.CompleteAsync(TimeSpan.FromSeconds(30));
        Assert.True(exit == 255, $"exit {exit}\n{string.Join('\n', errors)}");
        Assert.Equal(["channel 0: open failed: connect failed: Session refused"], errors);
    }

    [AsyncSshTheory]
    [InlineData("curve25519-sha256", "ssh-ed25519", "chacha20-poly1305@openssh.com", null, "ed25519", false, true)]
    [InlineData("ecdh-sha2-nistp521", "ecdsa-sha2-nistp256", "aes256-gcm@openssh.com", null, "ecdsa384", false, false)]
    [InlineData("diffie-hellman-group14-sha256", "rsa-sha2-512", "aes192-ctr", "hmac-sha2-512", "rsa2048", false, false)]
    [InlineData("diffie-hellman-group16-sha512", "rsa-sha2-256", "aes128-ctr", "hmac-sha2-256-etm@openssh.com", "ecdsa256", true, false)]
    [InlineData("diffie-hellman-group-exchange-sha256", "ssh-ed25519", "aes128-gcm@openssh.com", null, "ecdsa521", false, false)] // 3072-bit group
    [InlineData("ecdh-sha2-nistp384", "ecdsa-sha2-nistp256", "aes256-ctr", "hmac-sha2-512-etm@openssh.com", "ed25519", false, false)]
    [InlineData("ecdh-sha2-nistp256", "ssh-ed25519", "aes256-ctr", "hmac-sha2-256", "ed25519", false, true)]
    public async Task Library_NegotiatesAndCarriesData(string kex, string hostKey, string cipher, string? mac, string userKey, bool compression, bool rekey) =>
        await IndependentScenarios.AlgorithmsAsync(await _fixture.GetAsync(), kex, hostKey, cipher, mac, userKey, compression, rekey);
}
