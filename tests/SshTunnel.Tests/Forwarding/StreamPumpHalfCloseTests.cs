using System.Net;
using System.Net.Sockets;
using SshTunnel.Forwarding;

namespace SshTunnel.Tests.Forwarding;

public class StreamPumpHalfCloseTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static async Task<(Socket Near, Socket Far)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var near = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await near.ConnectAsync(listener.LocalEndPoint!).WaitAsync(Timeout);
        Socket far = await listener.AcceptAsync().WaitAsync(Timeout);
        return (near, far);
    }

    [Fact]
    public async Task A_network_stream_in_place_of_a_channel_gets_the_half_close_and_the_other_direction_goes_on()
    {
        (Socket client, Socket pumpSide) = await ConnectedPairAsync();
        (Socket pumpOther, Socket target) = await ConnectedPairAsync();
        using (client)
        using (target)
        {
            Task<Exception?> pump = StreamPump.RunAsync(pumpSide, new NetworkStream(pumpOther, ownsSocket: true));
            await client.SendAsync("request"u8.ToArray());
            client.Shutdown(SocketShutdown.Send); // FIN from the client

            byte[] buffer = new byte[64];
            int total = 0, n;
            while ((n = await target.ReceiveAsync(buffer.AsMemory(total)).AsTask().WaitAsync(Timeout)) > 0) total += n;
            Assert.Equal("request"u8.ToArray(), buffer[..total]); // the target saw EOF after the data

            await target.SendAsync("reply after EOF"u8.ToArray());
            target.Shutdown(SocketShutdown.Send);
            total = 0;
            while ((n = await client.ReceiveAsync(buffer.AsMemory(total)).AsTask().WaitAsync(Timeout)) > 0) total += n;
            Assert.Equal("reply after EOF"u8.ToArray(), buffer[..total]);
            Assert.Null(await pump.WaitAsync(Timeout));
        }
    }
}
