using System.Globalization;
using System.Security.Cryptography;
using SshTunnel.Tests.Infrastructure;
using static SshTunnel.Tests.Interop.ForwardingTestKit;

namespace SshTunnel.Tests.Interop;

/// <summary>
/// Two-hop ProxyJump chains (-J hop1,hop2 target) of OpenSSH sshd instances and of sshtunneld mixed with sshd: a remote
/// command on the target (side by side with /usr/bin/ssh) and a -L through the chain. As in OpenSSH, -i is not passed
/// to jump hosts, so a temporary -F config supplies IdentityFile, UserKnownHostsFile and StrictHostKeyChecking.
/// </summary>
[Trait("Category", "Interop")]
[Collection(ForwardingInteropCollection.Name)]
public sealed class JumpHostInteropTests
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(45);

    private readonly ForwardingInteropFixture _fixture;

    public JumpHostInteropTests(ForwardingInteropFixture fixture) => _fixture = fixture;

    /// <summary>A config for every host: the shared key only, a fresh known_hosts, accept-new, BatchMode.</summary>
    private string WriteConfig()
    {
        string path = _fixture.NewPath("ssh_config");
        File.WriteAllLines(path,
        [
            "Host *",
            "    IdentityFile " + _fixture.ClientKey,
            "    IdentitiesOnly yes",
            "    IdentityAgent none",
            "    UserKnownHostsFile " + _fixture.NewPath("known_hosts"),
            "    StrictHostKeyChecking accept-new",
            "    BatchMode yes",
        ]);
        return path;
    }

    private async Task<string[]> ChainArgsAsync(string hop1, string hop2, string target, string[] options, params string[] command)
    {
        GatewayEndpoint first = await _fixture.EndpointAsync(hop1);
        GatewayEndpoint second = await _fixture.EndpointAsync(hop2);
        GatewayEndpoint last = await _fixture.EndpointAsync(target);
        return
        [
            "-F", WriteConfig(),
            "-J", $"{first.JumpSpec},{second.JumpSpec}",
            "-p", last.Port.ToString(CultureInfo.InvariantCulture),
            .. options,
            last.Destination,
            .. command,
        ];
    }

    /// <summary>The command runs on the target (SSH_CONNECTION names the target's port; the connection comes from the last hop) with its exit status.</summary>
    [OpenSshTheory]
    [InlineData(ForwardingInteropFixture.SshdGatewayPortsNo, ForwardingInteropFixture.SshdGatewayPortsYes, ForwardingInteropFixture.SshdDefault)]
    [InlineData(ForwardingInteropFixture.DaemonDefault, ForwardingInteropFixture.SshdGatewayPortsNo, ForwardingInteropFixture.SshdDefault)]
    public async Task TwoHopChain_RunsRemoteCommand(string hop1, string hop2, string target)
    {
        int targetPort = (await _fixture.EndpointAsync(target)).Port;
        bool[] clients = CliProcess.OpenSshClientAvailable ? [false, true] : [false];
        await Task.WhenAll(clients.Select(async openSsh =>
        {
            string[] args = await ChainArgsAsync(hop1, hop2, target, [], "echo \"$SSH_CONNECTION\"; exit 3");
            await using CliProcess cli = CliProcess.Start(openSsh, args);
            var (exit, errors, output) = await cli.CompleteAsync(ProcessTimeout);
            string detail = $"{cli.Name}: exit {exit}\n{string.Join('\n', errors)}";
            Assert.True(exit == 3, detail);
            Assert.Matches($@"^127\.0\.0\.1 \d+ 127\.0\.0\.1 {targetPort}\n$", output);
            // Three hosts learnt, nothing else said.
            Assert.True(errors.Count == 3 && errors.All(l => l.StartsWith("Warning: Permanently added '[127.0.0.1]:", StringComparison.Ordinal)), detail);
        })).WithTimeout(TimeSpan.FromSeconds(90));
    }

    /// <summary>-N -L through the chain: data reaches a target reached from the last host.</summary>
    [OpenSshTheory]
    [InlineData(ForwardingInteropFixture.SshdGatewayPortsNo, ForwardingInteropFixture.SshdGatewayPortsYes, ForwardingInteropFixture.SshdDefault)]
    [InlineData(ForwardingInteropFixture.SshdGatewayPortsYes, ForwardingInteropFixture.DaemonDefault, ForwardingInteropFixture.DaemonDefault)]
    public async Task TwoHopChain_CarriesLocalForward(string hop1, string hop2, string target)
    {
        await using LoopbackServer echo = LoopbackServer.Echo();
        int listen = ClosedPort();
        string[] args = await ChainArgsAsync(hop1, hop2, target, ["-v", "-N", "-L", $"127.0.0.1:{listen}:127.0.0.1:{echo.Port}"]);
        await using CliProcess cli = CliProcess.StartSshTunnel(args);
        await cli.WaitForLineAsync(l => l.StartsWith("debug1: Local connections to ", StringComparison.Ordinal) && l.Contains($":{listen} ", StringComparison.Ordinal), ReadyTimeout);
        byte[] data = RandomNumberGenerator.GetBytes(1024 * 1024);
        Assert.Equal(data, await ExchangeAsync(listen, data).WithTimeout());
        await cli.TerminateAsync();
        var (exit, errors, _) = await cli.CompleteAsync(ProcessTimeout);
        Assert.True(exit == 0, $"exit {exit}\n{string.Join('\n', errors)}");
        Assert.Empty(echo.Errors);
    }
}
