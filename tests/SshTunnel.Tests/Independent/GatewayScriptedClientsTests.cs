using System.Globalization;
using SshTunnel.Tests.Gateway;
using SshTunnel.Tests.Interop;
using static SshTunnel.Tests.Interop.ForwardingTestKit;

namespace SshTunnel.Tests.Independent;

/// <summary>
/// Clients of ours on independent SSH libraries through sshtunneld: Node.js ssh2's Client (assets/ssh2-client.js:
/// forwardOut, forwardIn on a port and on port 0, unforwardIn) and Go x/crypto/ssh's Client (assets/xcryptossh.go:
/// Dial, Listen on a port and on port 0, listener Close; it rekeys every 256 KiB). Each forward carries random bytes to an echo server and back,
/// compared by the client program, which prints one "ok" line per step.
/// </summary>
public sealed partial class GatewayIndependentClientsTests
{
    private async Task RunScriptedClientAsync(string name, string program, Func<GatewayProcess, string, int, int, string[]> arguments, string[] expected)
    {
        GatewayProcess gateway = await _fixture.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        string home = NewHome(gateway);
        await using var client = new ChildProcess(program, arguments(gateway, home, echo.Port, ClosedPort()), new Dictionary<string, string> { ["HOME"] = home });
        int status = await client.WaitForExitAsync(TimeSpan.FromSeconds(60));
        string context = $"{name} ({status}): {client.Stderr}\n{client.Stdout}\ngateway: {gateway.Process.Stderr}";
        Assert.True(status == 0, context);
        Assert.True(expected.SequenceEqual(client.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)), context);
        Assert.Empty(echo.Errors);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [NodeSsh2Fact]
    public async Task NodeSsh2_ForwardOutForwardInAndPortZero() =>
        await RunScriptedClientAsync("node ssh2", ScriptedTools.Node!, (gateway, home, echo, remote) =>
            [ScriptedTools.NodeScript("ssh2-client.js"), Invariant(gateway.Port), gateway.KeyPath, HostKeyLine(gateway).Split(' ')[1],
             Invariant(echo), Invariant(IndependentScenarios.PayloadBytes), Invariant(remote)],
            ["forwardOut ok", "forwardIn ok", "forwardIn 0 ok", "unforwardIn ok"]);

    [GoXCryptoFact]
    public async Task GoXCrypto_DialListenAndPortZero() =>
        await RunScriptedClientAsync("go x/crypto/ssh", ScriptedTools.XCryptoSsh, (gateway, home, echo, remote) =>
            ["client", Invariant(gateway.Port), gateway.KeyPath, Path.Combine(gateway.StateDirectory, "ssh_host_ed25519_key.pub"),
             Invariant(echo), Invariant(IndependentScenarios.PayloadBytes), Invariant(remote)],
            ["Dial ok", "Listen ok", "Listen 0 ok", "Close ok"]);
}
