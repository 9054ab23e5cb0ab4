using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SshTunnel.Client;
using SshTunnel.Forwarding;
using SshTunnel.Server.Policy;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Tests.Server;
using Xunit.Abstractions;
using static SshTunnel.Tests.Interop.ForwardingTestKit;

namespace SshTunnel.Tests.Interop;

/// <summary>
/// -R against OpenSSH's sshd and sshtunneld (in-process SshServer for library-level tests, the daemon process for the
/// CLI ones): the GatewayPorts table of FORWARDING-CLI.md §5 checked with ss (rows "localhost", "", "127.0.0.1", "0.0.0.0", "::1"), -R 0, refused -R with and without
/// ExitOnForwardFailure (compared with /usr/bin/ssh), bulk data with SHA-256 and half-close.
/// </summary>
[Trait("Category", "Interop")]
[Collection(ForwardingInteropCollection.Name)]
public sealed partial class RemoteForwardInteropTests
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(30);

    private readonly ForwardingInteropFixture _fixture;
    private readonly ITestOutputHelper _output;

    public RemoteForwardInteropTests(ForwardingInteropFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [GeneratedRegex(@"^Allocated port (\d+) for remote forward to (.+)$")]
    private static partial Regex AllocatedPortLine();

    /// <summary>The -R specs of the table's rows (listen port 0: the server allocates) and the host string each sends.</summary>
    private static readonly (string Spec, string HostSent)[] Rows =
    [
        ("0:127.0.0.1:{0}", "localhost"),
        ("*:0:127.0.0.1:{0}", ""),
        ("127.0.0.1:0:127.0.0.1:{0}", "127.0.0.1"),
        ("0.0.0.0:0:127.0.0.1:{0}", "0.0.0.0"),
        ("[::1]:0:127.0.0.1:{0}", "::1"),
    ];

    /// <summary>FORWARDING-CLI.md §5, server side: the sockets bound for the host sent, as ss prints them.</summary>
    private static string[] ExpectedBound(string gatewayPorts, string hostSent, int port)
    {
        string[] loopback = [$"127.0.0.1:{port}", $"[::1]:{port}"];
        string[] wildcard = [$"0.0.0.0:{port}", $"[::]:{port}"];
        string[] result = (gatewayPorts, hostSent) switch
        {
            ("yes", _) => wildcard,
            (_, "127.0.0.1") => [$"127.0.0.1:{port}"],
            (_, "::1") => [$"[::1]:{port}"],
            ("clientspecified", "") => wildcard,
            ("clientspecified", "0.0.0.0") => [$"0.0.0.0:{port}"],
            _ => loopback,
        };
        return [.. result.Order(StringComparer.Ordinal)];
    }

    [OpenSshTheory]
    [InlineData("no")]
    [InlineData("yes")]
    [InlineData("clientspecified")]
    public async Task GatewayPortsRows_OpenSshSshd(string gatewayPorts)
    {
        string name = gatewayPorts switch
        {
            "no" => ForwardingInteropFixture.SshdGatewayPortsNo,
            "yes" => ForwardingInteropFixture.SshdGatewayPortsYes,
            _ => ForwardingInteropFixture.SshdDefault,
        };
        OpenSshServer sshd = await _fixture.SshdAsync(name);
        await using SshClient client = await ClientInteropFixture.ConnectAsync(sshd);
        await CheckRowsAsync(client, gatewayPorts);
    }

    [Theory]
    [InlineData("no")]
    [InlineData("yes")]
    [InlineData("clientspecified")]
    public async Task GatewayPortsRows_SshTunnelServer(string gatewayPorts)
    {
        var settings = new ForwardingSettings
        {
            GatewayPorts = gatewayPorts switch { "no" => GatewayPortsMode.No, "yes" => GatewayPortsMode.Yes, _ => GatewayPortsMode.ClientSpecified },
        };
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(settings);
        await using SshClient client = await gateway.ConnectAsync().WithTimeout();
        await CheckRowsAsync(client, gatewayPorts);
    }

    private static async Task CheckRowsAsync(SshClient client, string gatewayPorts)
    {
        await using LoopbackServer echo = LoopbackServer.Echo();
        var failures = new List<string>();
        foreach (var (specText, hostSent) in Rows)
        {
            ForwardSpec spec = ForwardSpecParser.ParseRemote(string.Format(CultureInfo.InvariantCulture, specText, echo.Port));
            await using RemoteForward forward = await client.StartRemoteForwardAsync(spec).WithTimeout();
            Assert.Equal(hostSent, forward.AddressToBind);
            Assert.NotEqual(0, forward.BoundPort);
            string[] bound = await ListeningAddressesAsync(forward.BoundPort);
            string[] expected = ExpectedBound(gatewayPorts, hostSent, forward.BoundPort);
            if (!bound.SequenceEqual(expected))
            {
                failures.Add($"GatewayPorts {gatewayPorts}, host sent \"{hostSent}\": expected {string.Join(' ', expected)}, bound {string.Join(' ', bound)}");
            }
            // Every row listens on 127.0.0.1 (itself or the wildcard), the "::1" row on ::1: the forward carries data from there.
            byte[] data = RandomNumberGenerator.GetBytes(10_000);
            IPAddress from = hostSent == "::1" ? IPAddress.IPv6Loopback : IPAddress.Loopback;
            using var socket = new Socket(from.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(from, forward.BoundPort).WithTimeout();
            Assert.Equal(data, await ExchangeAsync(socket, data).WithTimeout());
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Empty(echo.Errors);
    }

    /// <summary>
    /// -R 0: "Allocated port N for remote forward to host:port" (as ssh prints it) and port N carries data; at -v both
    /// clients print the same "remote forward success for:" line.
    /// </summary>
    [OpenSshTheory]
    [InlineData(ForwardingInteropFixture.SshdDefault)]
    [InlineData(ForwardingInteropFixture.DaemonDefault)]
    public async Task RemotePortZero_CliPrintsAllocatedPort_WhichCarriesData(string server)
    {
        GatewayEndpoint endpoint = await _fixture.EndpointAsync(server);
        await using LoopbackServer echo = LoopbackServer.Echo();
        bool[] clients = CliProcess.OpenSshClientAvailable ? [false, true] : [false];
        string[] successLines = await Task.WhenAll(clients.Select(async openSsh =>
        {
            await using CliProcess cli = CliProcess.Start(openSsh, _fixture.CliArgs(endpoint, ["-v", "-N", "-R", $"0:127.0.0.1:{echo.Port}"]));
            string line = await cli.WaitForLineAsync(l => AllocatedPortLine().IsMatch(l), ReadyTimeout);
            Match match = AllocatedPortLine().Match(line);
            Assert.Equal($"127.0.0.1:{echo.Port}", match.Groups[2].Value);
            int port = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            byte[] data = RandomNumberGenerator.GetBytes(100_000);
            Assert.Equal(data, await ExchangeAsync(port, data).WithTimeout());
            string success = await cli.WaitForLineAsync(l => l.StartsWith("debug1: remote forward success for: ", StringComparison.Ordinal), ReadyTimeout);
            await cli.TerminateAsync();
            var (exit, errors, _) = await cli.CompleteAsync(ProcessTimeout);
            Assert.True(exit == 0, $"{cli.Name}: exit {exit}\n{string.Join('\n', errors)}");
            // Without -v only the "Allocated port" line is shown (besides the new host key).
            Assert.Equal([line], errors.Where(l => !l.StartsWith("debug", StringComparison.Ordinal) && !l.StartsWith("Warning: Permanently added", StringComparison.Ordinal)
                && !l.StartsWith("OpenSSH_", StringComparison.Ordinal) && !l.StartsWith("Authenticated to ", StringComparison.Ordinal)
                && !l.StartsWith("Transferred: ", StringComparison.Ordinal) && !l.StartsWith("Bytes per second: ", StringComparison.Ordinal)));
            _output.WriteLine($"{cli.Name}: {success}");
            return success;
        })).WithTimeout(TimeSpan.FromSeconds(60));
        Assert.Equal($"debug1: remote forward success for: listen 0, connect 127.0.0.1:{echo.Port}", successLines[0]);
        Assert.All(successLines, l => Assert.Equal(successLines[0], l));
        Assert.Empty(echo.Errors);
    }

    /// <summary>
    /// A refused -R (PermitListen none): "Warning: remote port forwarding failed for listen port N" and the session
    /// stays up (SIGTERM: exit 0); with ExitOnForwardFailure "Error: ..." and exit 255. Same lines as ssh's.
    /// </summary>
    [OpenSshTheory]
    [InlineData(ForwardingInteropFixture.SshdRestricted, false)]
    [InlineData(ForwardingInteropFixture.SshdRestricted, true)]
    [InlineData(ForwardingInteropFixture.DaemonRestricted, false)]
    [InlineData(ForwardingInteropFixture.DaemonRestricted, true)]
    public async Task RefusedRemoteForward_WarningOrErrorWithExitOnForwardFailure(string server, bool exitOnForwardFailure)
    {
        GatewayEndpoint endpoint = await _fixture.EndpointAsync(server);
        int listen = ClosedPort();
        bool[] clients = CliProcess.OpenSshClientAvailable ? [false, true] : [false];
        string[] options = ["-N", "-o", "ExitOnForwardFailure=" + (exitOnForwardFailure ? "yes" : "no"), "-R", $"{listen}:127.0.0.1:9"];
        var results = await Task.WhenAll(clients.Select(async openSsh =>
        {
            await using CliProcess cli = CliProcess.Start(openSsh, _fixture.CliArgs(endpoint, options));
            if (!exitOnForwardFailure)
            {
                await cli.WaitForLineAsync(l => l.StartsWith("Warning: remote port forwarding failed", StringComparison.Ordinal), ReadyTimeout);
                await cli.TerminateAsync();
            }
            var (exit, errors, _) = await cli.CompleteAsync(ProcessTimeout);
            return (cli.Name, Exit: exit, Errors: errors.Where(l => !l.StartsWith("Warning: Permanently added", StringComparison.Ordinal)).ToArray());
        })).WithTimeout(TimeSpan.FromSeconds(60));
        foreach (var (name, exit, errors) in results)
        {
            _output.WriteLine($"{name}: exit {exit}: {string.Join(" | ", errors)}");
            if (exitOnForwardFailure)
            {
                Assert.True(exit == 255, $"{name}: exit {exit}");
                Assert.Equal([$"Error: remote port forwarding failed for listen port {listen}"], errors);
            }
            else
            {
                Assert.True(exit == 0, $"{name}: exit {exit}");
                Assert.Equal([$"Warning: remote port forwarding failed for listen port {listen}"], errors);
            }
        }
    }

    /// <summary>
    /// Bulk data both ways at once through one -R connection, compared by SHA-256: 256 MiB each way against sshd, 64 MiB
    /// each way against the in-process sshtunneld server (the runtime bound of this 2-core machine).
    /// </summary>
    [OpenSshTheory]
    [InlineData(ForwardingInteropFixture.SshdDefault, 256)]
    [InlineData("in-process", 256)]
    public async Task BulkBothWays_ThroughRemoteForward_Sha256Matches(string server, int mebibytes)
    {
        long length = mebibytes * 1024L * 1024;
        TimeSpan timeout = TimeSpan.FromSeconds(90);
        using var cts = new CancellationTokenSource(timeout);
        var atTarget = new TaskCompletionSource<(byte[] Sent, byte[] Received, long ReceivedLength)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var target = new LoopbackServer(async (socket, ct) =>
        {
            try
            {
                Task<(byte[] Hash, long Length)> receiving = ReceiveHashedAsync(socket, ct);
                byte[] sent = await SendHashedAsync(socket, length, seed: 2, ct);
                var (received, receivedLength) = await receiving;
                atTarget.TrySetResult((sent, received, receivedLength));
            }
            catch (Exception e)
            {
                atTarget.TrySetException(e);
                throw;
            }
        });
        InProcessGateway? gateway = null;
        try
        {
            SshClient client;
            if (server == "in-process")
            {
                gateway = await InProcessGateway.StartAsync();
                client = await gateway.ConnectAsync().WithTimeout();
            }
            else
            {
                client = await ClientInteropFixture.ConnectAsync(await _fixture.SshdAsync(server));
            }
            await using (client)
            {
                await using RemoteForward forward = await client.StartRemoteForwardAsync(ForwardSpecParser.ParseRemote($"0:127.0.0.1:{target.Port}")).WithTimeout();
                var watch = Stopwatch.StartNew();
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, forward.BoundPort, cts.Token);
                Task<(byte[] Hash, long Length)> receiving = ReceiveHashedAsync(socket, cts.Token);
                byte[] sent = await SendHashedAsync(socket, length, seed: 1, cts.Token).WaitAsync(timeout);
                var (received, receivedLength) = await receiving.WaitAsync(timeout);
                var remote = await atTarget.Task.WaitAsync(timeout);
                _output.WriteLine($"{server}: {mebibytes} MiB each way in {watch.Elapsed.TotalSeconds:F1} s");
                Assert.Equal(length, remote.ReceivedLength);
                Assert.Equal(length, receivedLength);
                Assert.Equal(sent, remote.Received);
                Assert.Equal(remote.Sent, received);
            }
        }
        finally
        {
            if (gateway is not null) await gateway.DisposeAsync();
        }
        Assert.Empty(target.Errors);
    }

    /// <summary>
    /// Half-close through -R, both directions: the outside client's EOF reaches the target, which still answers; the
    /// target's EOF reaches the outside client, which can still send.
    /// </summary>
    [OpenSshTheory]
    [InlineData(ForwardingInteropFixture.SshdDefault)]
    [InlineData("in-process")]
    public async Task HalfCloseBothWays_ThroughRemoteForward(string server)
    {
        byte[] greeting = RandomNumberGenerator.GetBytes(70_000);
        var lateAtTarget = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using LoopbackServer answering = AnswerAfterEofTarget();
        await using LoopbackServer greeter = GreetingTarget(greeting, lateAtTarget);
        InProcessGateway? gateway = null;
        try
        {
            SshClient client;
            if (server == "in-process")
            {
                gateway = await InProcessGateway.StartAsync();
                client = await gateway.ConnectAsync().WithTimeout();
            }
            else
            {
                client = await ClientInteropFixture.ConnectAsync(await _fixture.SshdAsync(server));
            }
            await using (client)
            {
                await using RemoteForward toAnswering = await client.StartRemoteForwardAsync(ForwardSpecParser.ParseRemote($"0:127.0.0.1:{answering.Port}")).WithTimeout();
                await using RemoteForward toGreeter = await client.StartRemoteForwardAsync(ForwardSpecParser.ParseRemote($"0:127.0.0.1:{greeter.Port}")).WithTimeout();

                byte[] request = RandomNumberGenerator.GetBytes(100_000);
                byte[] answer = await ExchangeAsync(toAnswering.BoundPort, request).WithTimeout();
                Assert.Equal(AnswerFor(request), System.Text.Encoding.ASCII.GetString(answer));

                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, toGreeter.BoundPort).WithTimeout();
                Assert.Equal(greeting, await LoopbackServer.ReadToEndAsync(socket, CancellationToken.None).WithTimeout());
                byte[] late = RandomNumberGenerator.GetBytes(50_000);
                await LoopbackServer.SendAllAsync(socket, late, CancellationToken.None).WithTimeout();
                socket.Shutdown(SocketShutdown.Send);
                Assert.Equal(late, await lateAtTarget.Task.WithTimeout());
            }
        }
        finally
        {
            if (gateway is not null) await gateway.DisposeAsync();
        }
        Assert.Empty(answering.Errors);
        Assert.Empty(greeter.Errors);
    }
}
