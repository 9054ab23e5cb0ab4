using System.Globalization;
using System.Security.Cryptography;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Tests.Interop;
using static SshTunnel.Tests.Interop.ForwardingTestKit;

namespace SshTunnel.Tests.Independent;

/// <summary>-J through an independent server to another: sshtunnel -J dropbear -L ... asyncssh, and the reverse.</summary>
[Trait("Category", "Interop")]
public sealed class JumpChainTests : IClassFixture<DropbearFixture>, IClassFixture<AsyncSshFixture>
{
    private readonly DropbearFixture _dropbear;
    private readonly AsyncSshFixture _asyncSsh;

    public JumpChainTests(DropbearFixture dropbear, AsyncSshFixture asyncSsh)
    {
        _dropbear = dropbear;
        _asyncSsh = asyncSsh;
    }

    [DropbearAndAsyncSshFact]
    public async Task SshTunnel_JumpThroughOneToTheOther_CarriesLocalForward()
    {
        IndependentServer dropbear = await _dropbear.GetAsync();
        IndependentServer asyncSsh = await _asyncSsh.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        // Both directions at once (each is one sshtunnel process): dropbear then asyncssh, asyncssh then dropbear.
        await Task.WhenAll(new[] { (dropbear, asyncSsh), (asyncSsh, dropbear) }.Select(async pair =>
        {
            var (jump, target) = pair;
            string config = IndependentScenarios.WriteJumpConfig(jump.Directory, jump, target);
            int listen = ClosedPort();
            await using CliProcess cli = CliProcess.StartSshTunnel(
            [
                "-F", config, "-v", "-N", "-J", $"{IndependentServer.UserName}@127.0.0.1:{jump.Port}",
                "-p", target.Port.ToString(CultureInfo.InvariantCulture), "-L", $"127.0.0.1:{listen}:127.0.0.1:{echo.Port}",
                $"{IndependentServer.UserName}@127.0.0.1",
            ]);
            string context = $"-J {jump.Name} to {target.Name}";
            try
            {
                await cli.WaitForLineAsync(l => l.StartsWith($"debug1: Local connections to 127.0.0.1:{listen} ", StringComparison.Ordinal), ReadyTimeout);
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                throw new Xunit.Sdk.XunitException($"{context}: {e.Message}\n{jump.Name}: {jump.Log}\n{target.Name}: {target.Log}");
            }
            byte[] data = RandomNumberGenerator.GetBytes(IndependentScenarios.PayloadBytes);
            byte[] back = await ExchangeAsync(listen, data).WithTimeout();
            Assert.True(data.AsSpan().SequenceEqual(back), $"{context}: {back.Length} bytes came back");
            await cli.TerminateAsync();
            var (exit, errors, _) = await cli.CompleteAsync(TimeSpan.FromSeconds(30));
            Assert.True(exit == 0, $"{context}: exit {exit}\n{string.Join('\n', errors)}");
        }));
        Assert.Empty(echo.Errors);
    }
}
