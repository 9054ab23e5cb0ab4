using System.Net;
using System.Net.Sockets;
using SshTunnel.Client;
using SshTunnel.Forwarding;
using SshTunnel.Tests.Server;

namespace SshTunnel.Tests.Forwarding;

/// <summary>OpenSSH's <c>-D /path</c>: the SOCKS listener on a Unix-domain socket (FORWARDING-CLI.md §3 quirks).</summary>
public sealed class DynamicForwardUnixSocketTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Socks5_through_a_unix_socket_listener_reaches_the_target_from_the_gateway()
    {
        if (!Socket.OSSupportsUnixDomainSockets) return;
        string directory = Directory.CreateTempSubdirectory("dyn-unix-").FullName;
        try
        {
            string path = Path.Combine(directory, "socks.sock");
            await using var echo = new EchoServer();
            await using InProcessGateway gateway = await InProcessGateway.StartAsync();
            await using SshClient client = await gateway.ConnectAsync();
            ForwardSpec spec = ForwardSpecParser.ParseDynamic(path);
            Assert.Equal(path, spec.ListenPath);
            await using DynamicForward socks = await client.StartDynamicForwardAsync(spec);
            Assert.Equal(path, socks.ListenPath);
            Assert.Empty(socks.ListenEndPoints);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path)); // umask 0177

            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(Timeout);
            await using var stream = new NetworkStream(socket);
            await stream.WriteAsync(new byte[] { 5, 1, 0 });
            Assert.Equal(new byte[] { 5, 0 }, await ReadAsync(stream, 2));
            byte[] host = "127.0.0.1"u8.ToArray(); // a name (ATYP 3), resolved at the gateway
            await stream.WriteAsync((byte[])[5, 1, 0, 3, (byte)host.Length, .. host, (byte)(echo.Port >> 8), (byte)echo.Port]);
            byte[] reply = await ReadAsync(stream, 4);
            Assert.Equal(0, reply[1]);
            await ReadAsync(stream, reply[3] == 1 ? 6 : 18);
            await stream.WriteAsync("over a unix socket"u8.ToArray());
            Assert.Equal("over a unix socket"u8.ToArray(), await ReadAsync(stream, 18));
            // The gateway saw OpenSSH's originator for a socket peer.
            await gateway.Log.WaitForAsync("originator 127.0.0.1 port 65535");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_path_in_use_fails_with_unix_listeners_message()
    {
        if (!Socket.OSSupportsUnixDomainSockets) return;
        string directory = Directory.CreateTempSubdirectory("dyn-unix-").FullName;
        try
        {
            string path = Path.Combine(directory, "socks.sock");
            File.WriteAllText(path, "stale");
            await using InProcessGateway gateway = await InProcessGateway.StartAsync();
            await using SshClient client = await gateway.ConnectAsync();
            var ex = await Assert.ThrowsAsync<ForwardBindException>(() => client.StartDynamicForwardAsync(ForwardSpecParser.ParseDynamic(path)));
            Assert.StartsWith($"unix_listener: cannot bind to path {path}: ", ex.Message);
            // StreamLocalBindUnlink removes the stale file first.
            await using DynamicForward socks = await client.StartDynamicForwardAsync(ForwardSpecParser.ParseDynamic(path), streamLocalBindUnlink: true);
            Assert.Equal(path, socks.ListenPath);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<byte[]> ReadAsync(Stream stream, int count)
    {
        byte[] buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Timeout);
        return buffer;
    }
}
