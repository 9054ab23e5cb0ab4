using System.Net;
using System.Net.Sockets;
using SshTunnel.Client;

namespace SshTunnel.Tests.Client;

/// <summary>The client transport stream: reads pass the bytes through unchanged and re-arm TCP_QUICKACK (Linux).</summary>
public class QuickAckNetworkStreamTests
{
    private const int IpProtoTcp = 6;
    private const int TcpQuickAck = 12;

    private static async Task<(Socket Client, Socket Server)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Task<Socket> accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (client, await accept);
    }

    [Fact]
    public async Task Reads_pass_data_through_and_end_with_zero()
    {
        (Socket client, Socket server) = await ConnectedPairAsync();
        using Socket s = server;
        await using var stream = new QuickAckNetworkStream(client);
        byte[] sent = new byte[100_000];
        new Random(42).NextBytes(sent);
        Task sending = Task.Run(async () =>
        {
            await server.SendAsync(sent, SocketFlags.None);
            server.Shutdown(SocketShutdown.Send);
        });

        using var received = new MemoryStream();
        byte[] buffer = new byte[4096];
        int n;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((n = await stream.ReadAsync(buffer.AsMemory(), timeout.Token)) > 0) received.Write(buffer, 0, n);
        await sending;

        Assert.Equal(sent, received.ToArray());
        Assert.Equal(0, stream.Read(buffer, 0, buffer.Length)); // synchronous paths at EOF
        Assert.Equal(0, stream.Read(buffer.AsSpan()));
    }

    [Fact]
    public async Task A_read_leaves_quick_ack_armed_on_linux()
    {
        if (!OperatingSystem.IsLinux()) return;
        (Socket client, Socket server) = await ConnectedPairAsync();
        using Socket s = server;
        await using var stream = new QuickAckNetworkStream(client);
        byte[] value = new byte[4];

        // Enter pingpong (delayed-ACK) mode explicitly, then show that a read switches quick ACKs back on.
        client.SetRawSocketOption(IpProtoTcp, TcpQuickAck, new byte[] { 0, 0, 0, 0 });
        client.GetRawSocketOption(IpProtoTcp, TcpQuickAck, value);
        Assert.Equal(0, BitConverter.ToInt32(value));

        await server.SendAsync("x"u8.ToArray(), SocketFlags.None);
        byte[] buffer = new byte[16];
        Assert.Equal(1, await stream.ReadAsync(buffer.AsMemory()));

        client.GetRawSocketOption(IpProtoTcp, TcpQuickAck, value);
        Assert.Equal(1, BitConverter.ToInt32(value));
    }
}
