using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SshTunnel.Client;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Server;
using SshTunnel.Server.Policy;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Tests.Server;

/// <summary>Our client (and a connection-layer client for -R) against an in-process <see cref="SshServer"/> on loopback.</summary>
public sealed class SshServerTests
{
    private static readonly TimeSpan Timeout = InProcessGateway.Timeout;

    private static async Task<byte[]> RoundTripAsync(Stream stream, int length)
    {
        byte[] sent = new byte[length];
        Random.Shared.NextBytes(sent);
        Task write = Task.Run(async () =>
        {
            await stream.WriteAsync(sent);
            if (stream is ChannelStream channel) await channel.CompleteWritesAsync();
            else if (stream is NetworkStream network) network.Socket.Shutdown(SocketShutdown.Send);
        });
        var received = new MemoryStream();
        await stream.CopyToAsync(received).WaitAsync(Timeout);
        await write.WaitAsync(Timeout);
        Assert.Equal(sent, received.ToArray());
        return received.ToArray();
    }

    [Fact]
    public async Task DirectTcpip_CarriesDataBothWays_AndLogsAcceptOpenClose()
    {
        await using var echo = new EchoServer();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        await using (ChannelStream stream = await client.OpenDirectTcpipAsync("127.0.0.1", echo.Port).WaitAsync(Timeout))
        {
            await RoundTripAsync(stream, 300_000);
        }
        string accepted = await gateway.Log.WaitForAsync("Accepted publickey for alice from 127.0.0.1 port ");
        Assert.EndsWith("ssh2: ED25519 " + gateway.UserKey.PublicKey.Fingerprint, accepted);
        await gateway.Log.WaitForAsync($"local forward to 127.0.0.1 port {echo.Port}");
        string closed = await gateway.Log.WaitForAsync("Forward closed for user alice");
        Assert.Contains("300000 bytes to target, 300000 bytes from target", closed);
    }

    [Fact]
    public async Task DirectTcpip_ManyChannelsAtOnce_AllCarryData()
    {
        await using var echo = new EchoServer();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            await using ChannelStream stream = await client.OpenDirectTcpipAsync("127.0.0.1", echo.Port).WaitAsync(Timeout);
            await RoundTripAsync(stream, 20_000);
        })).WaitAsync(Timeout);
    }

    [Fact]
    public async Task DirectTcpip_PermitOpenRefuses_AdministrativelyProhibited_AndLogsLikeSshd()
    {
        await using var echo = new EchoServer();
        var settings = new ForwardingSettings { PermitOpen = PermitList.Parse(["127.0.0.1:1"], isListen: false) };
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(settings);
        await using SshClient client = await gateway.ConnectAsync();
        var e = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => client.OpenDirectTcpipAsync("127.0.0.1", echo.Port).WaitAsync(Timeout));
        Assert.Equal(ChannelOpenFailureReason.AdministrativelyProhibited, e.Reason);
        string line = await gateway.Log.WaitForAsync("Received request from 127.0.0.1 port ");
        Assert.EndsWith($"to connect to host 127.0.0.1 port {echo.Port}, but the request was denied.", line);
    }

    [Fact]
    public async Task DirectTcpip_AllowTcpForwardingNo_Refused_AndLogged()
    {
        await using var echo = new EchoServer();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(new ForwardingSettings { AllowTcpForwarding = ForwardingDirections.None });
        await using SshClient client = await gateway.ConnectAsync();
        var e = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => client.OpenDirectTcpipAsync("127.0.0.1", echo.Port, "127.0.0.1", 4242).WaitAsync(Timeout));
        Assert.Equal(ChannelOpenFailureReason.AdministrativelyProhibited, e.Reason);
        await gateway.Log.WaitForAsync($"refused local port forward: originator 127.0.0.1 port 4242, target 127.0.0.1 port {echo.Port}");
    }

    [Fact]
    public async Task DirectTcpip_KeyPermitOpen_AllowsListedTarget_RefusesOthers()
    {
        await using var echo = new EchoServer();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(keyOptions: $"permitopen=\"127.0.0.1:{echo.Port}\"");
        await using SshClient client = await gateway.ConnectAsync();
        await using (ChannelStream stream = await client.OpenDirectTcpipAsync("127.0.0.1", echo.Port).WaitAsync(Timeout))
        {
            await RoundTripAsync(stream, 1000);
        }
        var e = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => client.OpenDirectTcpipAsync("localhost", echo.Port).WaitAsync(Timeout));
        Assert.Equal(ChannelOpenFailureReason.AdministrativelyProhibited, e.Reason);
    }

    [Fact]
    public async Task DirectTcpip_ClosedPort_ConnectFailedConnectionRefused()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        var e = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => client.OpenDirectTcpipAsync("127.0.0.1", closedPort).WaitAsync(Timeout));
        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, e.Reason);
        Assert.Equal("Connection refused", e.Description);
    }

    [Fact]
    public async Task Session_ExecRefused_WithMessageOnStderr_AndExitStatus1()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        int status = await client.ExecuteAsync("id", null, stdout, stderr).WaitAsync(Timeout);
        Assert.Equal(1, status);
        Assert.Empty(stdout.ToArray());
        Assert.Equal(SshServerSession.ForwardingOnlyMessage + "\r\n", Encoding.UTF8.GetString(stderr.ToArray()));
        // The connection stays usable for forwarding.
        await using var echo = new EchoServer();
        await using ChannelStream stream = await client.OpenDirectTcpipAsync("127.0.0.1", echo.Port).WaitAsync(Timeout);
        await RoundTripAsync(stream, 100);
    }

    [Fact]
    public async Task WrongKey_AuthenticationFails_OtherSessionsUndisturbed()
    {
        await using var echo = new EchoServer();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(configure: o => InProcessGateway.With(o, maxAuthTries: 2));
        await using SshClient good = await gateway.ConnectAsync();
        using SshPrivateKey k1 = Ed25519PrivateKey.Generate(), k2 = Ed25519PrivateKey.Generate(), k3 = Ed25519PrivateKey.Generate();
        await Assert.ThrowsAnyAsync<SshException>(() => gateway.ConnectAsync(k1, k2, k3).WaitAsync(Timeout));
        await using ChannelStream stream = await good.OpenDirectTcpipAsync("127.0.0.1", echo.Port).WaitAsync(Timeout);
        await RoundTripAsync(stream, 100);
    }

    [Fact]
    public async Task LoginGraceTime_ClientThatNeverFinishesKex_IsDisconnected()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(configure: o => InProcessGateway.With(o, loginGraceTime: TimeSpan.FromSeconds(1)));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, gateway.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes("SSH-2.0-slowpoke\r\n"));
        byte[] buffer = new byte[4096];
        // Read the server's version and KEXINIT, then nothing more until the server closes.
        while (await socket.ReceiveAsync(buffer).WaitAsync(Timeout) > 0)
        {
        }
        await gateway.Log.WaitForAsync("Timeout before authentication for 127.0.0.1 port ");
        Assert.Equal(0, gateway.Server.UnauthenticatedCount);
    }

    [Fact]
    public async Task Garbage_IsDropped_WhileAnotherSessionKeepsForwarding()
    {
        await using var echo = new EchoServer();
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient good = await gateway.ConnectAsync();
        await using ChannelStream stream = await good.OpenDirectTcpipAsync("127.0.0.1", echo.Port).WaitAsync(Timeout);
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, gateway.Port);
            byte[] junk = new byte[64 * 1024];
            Random.Shared.NextBytes(junk);
            Encoding.ASCII.GetBytes("SSH-2.0-junk\r\n").CopyTo(junk, 0);
            try
            {
                await socket.SendAsync(junk);
                byte[] buffer = new byte[4096];
                while (await socket.ReceiveAsync(buffer).WaitAsync(Timeout) > 0)
                {
                }
            }
            catch (SocketException)
            {
                // Reset by the server: also a close.
            }
        }
        await gateway.Log.WaitForAsync("[preauth]");
        await RoundTripAsync(stream, 10_000);
    }

    [Fact]
    public async Task MaxStartups_Full_DropsNewUnauthenticatedConnection()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(configure: o => InProcessGateway.With(o, maxStartups: new StartupLimits(1, 100, 1)));
        using var idle = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await idle.ConnectAsync(IPAddress.Loopback, gateway.Port);
        byte[] buffer = new byte[256];
        Assert.True(await idle.ReceiveAsync(buffer).WaitAsync(Timeout) > 0); // its version line: it is counted
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await second.ConnectAsync(IPAddress.Loopback, gateway.Port);
        int read;
        try
        {
            read = await second.ReceiveAsync(buffer).WaitAsync(Timeout);
        }
        catch (SocketException)
        {
            read = 0;
        }
        Assert.Equal(0, read);
        await gateway.Log.WaitForAsync("past MaxStartups");
    }

    [Fact]
    public async Task StopAsync_DisconnectsSessions()
    {
        InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using SshClient client = await gateway.ConnectAsync();
        await gateway.Server.StopAsync().WaitAsync(Timeout);
        await Task.Delay(System.Threading.Timeout.Infinite, client.Closed).ContinueWith(_ => { }).WaitAsync(Timeout);
        Assert.True(client.Closed.IsCancellationRequested);
        await gateway.DisposeAsync();
    }

    // ------------------------------------------------------------ remote forwards

    private static async Task<GlobalRequestReply> RequestForwardAsync(RawClient client, string address, uint port, string name = GlobalRequestNames.TcpipForward)
        => await client.Connection.SendGlobalRequestAsync(name, new TcpipForwardRequestData { AddressToBind = address, PortToBind = port }.ToArray(), wantReply: true).WaitAsync(Timeout);

    public static TheoryData<GatewayPortsMode, string, string[]> GatewayPortsRows => new()
    {
        // FORWARDING-CLI §5: what the server binds for each GatewayPorts value and client address.
        { GatewayPortsMode.No, "", ["127.0.0.1", "::1"] },
        { GatewayPortsMode.No, "0.0.0.0", ["127.0.0.1", "::1"] },
        { GatewayPortsMode.No, "*", ["127.0.0.1", "::1"] },
        { GatewayPortsMode.No, "localhost", ["127.0.0.1", "::1"] },
        { GatewayPortsMode.No, "127.0.0.1", ["127.0.0.1"] },
        { GatewayPortsMode.Yes, "", ["0.0.0.0", "::"] },
        { GatewayPortsMode.Yes, "127.0.0.1", ["0.0.0.0", "::"] },
        { GatewayPortsMode.Yes, "localhost", ["0.0.0.0", "::"] },
        { GatewayPortsMode.ClientSpecified, "", ["0.0.0.0", "::"] },
        { GatewayPortsMode.ClientSpecified, "*", ["0.0.0.0", "::"] },
        { GatewayPortsMode.ClientSpecified, "localhost", ["127.0.0.1", "::1"] },
        { GatewayPortsMode.ClientSpecified, "127.0.0.1", ["127.0.0.1"] },
        { GatewayPortsMode.ClientSpecified, "0.0.0.0", ["0.0.0.0"] },
    };

    [Theory]
    [MemberData(nameof(GatewayPortsRows))]
    public async Task TcpipForward_BindsPerGatewayPorts_SamePortEveryFamily(GatewayPortsMode mode, string address, string[] expected)
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(new ForwardingSettings { GatewayPorts = mode });
        await using RawClient client = await gateway.ConnectRawAsync();
        GlobalRequestReply reply = await RequestForwardAsync(client, address, 0);
        Assert.True(reply.Success);
        int port = (int)BinaryPrimitives.ReadUInt32BigEndian(reply.ResponseData);
        SshServerSession session = Assert.Single(gateway.Server.Sessions);
        IReadOnlyList<IPEndPoint> bound = session.RemoteForwardEndPoints;
        Assert.All(bound, e => Assert.Equal(port, e.Port));
        string[] boundAddresses = [.. bound.Select(e => e.Address.ToString())];
        Assert.All(boundAddresses, a => Assert.Contains(a, expected));
        Assert.Contains(expected[0], boundAddresses); // the IPv4 part is always there; IPv6 only if the host has it
    }

    [Fact]
    public async Task TcpipForward_ConnectionsBecomeForwardedTcpipChannels_WithRfcFields()
    {
        var opened = new TaskCompletionSource<(ForwardedTcpipOpenData Data, SshChannel Channel)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using RawClient client = await gateway.ConnectRawAsync(async open =>
        {
            Assert.Equal(ChannelTypes.ForwardedTcpip, open.ChannelType);
            var data = ForwardedTcpipOpenData.Parse(open.TypeSpecificData);
            opened.TrySetResult((data, await open.AcceptAsync()));
        });
        GlobalRequestReply reply = await RequestForwardAsync(client, "localhost", 0);
        int port = (int)BinaryPrimitives.ReadUInt32BigEndian(reply.ResponseData);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        (ForwardedTcpipOpenData data, SshChannel channel) = await opened.Task.WaitAsync(Timeout);
        Assert.Equal("localhost", data.ConnectedAddress);
        Assert.Equal((uint)port, data.ConnectedPort);
        Assert.Equal("127.0.0.1", data.OriginatorAddress);
        Assert.Equal((uint)((IPEndPoint)socket.LocalEndPoint!).Port, data.OriginatorPort);

        // The client echoes; the originator sees its bytes back.
        _ = Task.Run(async () =>
        {
            await channel.Stream.CopyToAsync(channel.Stream);
            await channel.Stream.CompleteWritesAsync();
        });
        await using var network = new NetworkStream(socket);
        await RoundTripAsync(network, 50_000);
        await gateway.Log.WaitForAsync("bytes to originator");

        // cancel-tcpip-forward with the allocated port closes the listener.
        Assert.True((await RequestForwardAsync(client, "localhost", (uint)port, GlobalRequestNames.CancelTcpipForward)).Success);
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => late.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Theory]
    [InlineData(null, "permitlisten=\"localhost:1234\"", "localhost", 1235u)]
    [InlineData("localhost:1234", null, "localhost", 1235u)]
    [InlineData(null, "no-port-forwarding", "localhost", 0u)]
    [InlineData(null, "restrict", "localhost", 0u)]
    public async Task TcpipForward_Refused_ByPolicy_AndLoggedLikeSshd(string? permitListen, string? keyOptions, string address, uint port)
    {
        var settings = new ForwardingSettings { PermitListen = permitListen is null ? PermitList.Any : PermitList.Parse([permitListen], isListen: true) };
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(settings, keyOptions);
        await using RawClient client = await gateway.ConnectRawAsync();
        Assert.False((await RequestForwardAsync(client, address, port)).Success);
        await gateway.Log.WaitForAsync($"to remote forward to host {address} port {port}, but the request was denied.");
        Assert.Empty(Assert.Single(gateway.Server.Sessions).RemoteForwardEndPoints);
    }

    [Fact]
    public async Task TcpipForward_AllowTcpForwardingLocal_RefusesRemote()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(new ForwardingSettings { AllowTcpForwarding = ForwardingDirections.Local });
        await using RawClient client = await gateway.ConnectRawAsync();
        Assert.False((await RequestForwardAsync(client, "", 0)).Success);
    }

    [Fact]
    public async Task TcpipForward_PortInUse_Fails_AndSessionContinues()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using InProcessGateway gateway = await InProcessGateway.StartAsync();
        await using RawClient client = await gateway.ConnectRawAsync();
        Assert.False((await RequestForwardAsync(client, "127.0.0.1", (uint)port)).Success);
        Assert.True((await RequestForwardAsync(client, "127.0.0.1", 0)).Success);
    }
}
