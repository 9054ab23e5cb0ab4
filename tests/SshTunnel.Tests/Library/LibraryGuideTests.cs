using System.Net;
using System.Net.Sockets;
using System.Text;
using SshTunnel.Authentication;
using SshTunnel.Client;
using SshTunnel.Forwarding;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Server;
using SshTunnel.Server.Policy;
using SshTunnel.Tests.Gateway;
using SshTunnel.Tests.Server;

namespace SshTunnel.Tests.Library;

/// <summary>Runs the snippets of docs/LIBRARY.md (kept in the same shape) so the guide cannot rot.</summary>
public sealed class LibraryGuideTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [OpenSshClientFact]
    public async Task Guide_gateway_and_client_with_L_R_D_and_a_channel_stream()
    {
        string directory = Directory.CreateTempSubdirectory("sshtunnel-guide-").FullName;
        try
        {
            string identityPath = Path.Combine(directory, "id_ed25519");
            GatewayProcess.RunTool(GatewayProcess.SshKeygen, "-q", "-t", "ed25519", "-N", "", "-f", identityPath);
            string alicePublicKeyPath = identityPath + ".pub";
            string stateDirectory = Path.Combine(directory, "state");
            string knownHostsPath = Path.Combine(directory, "known_hosts");
            await using var webServer = new EchoServer();
            await using var appServer = new EchoServer();
            int webPort = webServer.Port;
            int appPort = appServer.Port;

            // ---- docs/LIBRARY.md: a forwarding gateway in your program
            SshPrivateKey hostKey = HostKeyStore.LoadOrCreate(stateDirectory, out bool created);
            SshPublicKey aliceKey = PrivateKeyFile.LoadPublicKey(alicePublicKeyPath);
            var forwarding = new ForwardingSettings { GatewayPorts = GatewayPortsMode.No };
            await using var server = new SshServer(new SshServerOptions
            {
                HostKeys = [hostKey],
                ListenEndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
                AuthorizePublicKeyAsync = (context, ct) => ValueTask.FromResult(
                    context.UserName == "alice" && context.Key.Equals(aliceKey) ? new ForwardingPolicy(forwarding) : null),
            });
            await server.StartAsync();
            int gatewayPort = server.ListenEndPoints[0].Port;
            Assert.True(created);

            // ---- docs/LIBRARY.md: a client with -L, -R and -D
            var errors = new List<string>();
            var verifier = new KnownHostsVerifier
            {
                Mode = StrictHostKeyChecking.AcceptNew,
                UserKnownHostsFiles = [knownHostsPath],
                GlobalKnownHostsFiles = [],
                Error = errors.Add,
            };
            using SshPrivateKey key = PrivateKeyFile.Load(identityPath);
            await using SshClient client = await SshClient.ConnectAsync(new SshClientOptions
            {
                Host = "127.0.0.1",
                Port = gatewayPort,
                Authentication = new ClientAuthenticationOptions
                {
                    UserName = "alice",
                    Host = "127.0.0.1",
                    Identities = [new ClientIdentity(key)],
                    IdentityAgent = "none",
                    BatchMode = true,
                },
                VerifyHostKeyAsync = verifier.VerifyAsync,
                ConnectTimeout = TimeSpan.FromSeconds(10),
            });

            await using LocalForward web = await client.StartLocalForwardAsync(
                    new ForwardSpec { Kind = ForwardSpecKind.Local, ListenHost = "127.0.0.1", ListenPort = 0, ConnectHost = "127.0.0.1", ConnectPort = webPort });
            int localPort = web.ListenEndPoints[0].Port;
            await using RemoteForward published = await client.StartRemoteForwardAsync(ForwardSpecParser.ParseRemote($"0:127.0.0.1:{appPort}"));
            int gatewayListenPort = published.BoundPort;
            await using DynamicForward socks = await client.StartDynamicForwardAsync(
                    new ForwardSpec { Kind = ForwardSpecKind.Dynamic, ListenHost = "127.0.0.1", ListenPort = 0 });
            await using ChannelStream stream = await client.OpenDirectTcpipAsync("127.0.0.1", webPort);

            // What each one carries.
            Assert.Contains("[127.0.0.1]:" + gatewayPort, File.ReadAllText(knownHostsPath)); // accept-new recorded the key
            await EchoAsync(localPort, "through -L");
            await EchoAsync(gatewayListenPort, "through -R");
            using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await socket.ConnectAsync(socks.ListenEndPoints[0]).WaitAsync(Timeout);
                await using var socksStream = new NetworkStream(socket);
                byte[] host = Encoding.ASCII.GetBytes("localhost");
                await socksStream.WriteAsync(new byte[] { 5, 1, 0 });
                Assert.Equal(new byte[] { 5, 0 }, await ReadExactlyAsync(socksStream, 2));
                await socksStream.WriteAsync((byte[])[5, 1, 0, 3, (byte)host.Length, .. host, (byte)(webPort >> 8), (byte)webPort]);
                byte[] reply = await ReadExactlyAsync(socksStream, 4);
                Assert.Equal(0, reply[1]); // succeeded
                await ReadExactlyAsync(socksStream, reply[3] == 1 ? 6 : 18);
                await socksStream.WriteAsync("through -D"u8.ToArray());
                Assert.Equal("through -D", Encoding.ASCII.GetString(await ReadExactlyAsync(socksStream, 10)));
            }
            await stream.WriteAsync("as a Stream"u8.ToArray());
            Assert.Equal("as a Stream", Encoding.ASCII.GetString(await ReadExactlyAsync(stream, 11)));
            Assert.Empty(errors);
            hostKey.Dispose();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task EchoAsync(int port, string text)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
        Assert.Equal(text, Encoding.ASCII.GetString(await ReadExactlyAsync(stream, text.Length)));
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        byte[] buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Timeout);
        return buffer;
    }
}
