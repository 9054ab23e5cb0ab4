using SshTunnel.Tests.Infrastructure;
using SshTunnel.Tests.Transport;
using SshTunnel.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Connection;

/// <summary>
/// The transport's idle send loop writes a small packet on the sender's thread (inside SendAsync: no thread-pool
/// wake-up, lower latency) but hands bulk packets to the thread pool (so the sender keeps reading while it batches).
/// </summary>
public class SendLoopWakeTests
{
    [ThreadStatic]
    private static bool t_insideSend;

    private static Packet MakePacket(int bodyLength)
    {
        var writer = new SshWriter(bodyLength + 1);
        writer.WriteByte(200);
        writer.WriteBytes(new byte[bodyLength]);
        return writer.ToPacket();
    }

    /// <summary>Sends <paramref name="count"/> packets one at a time, each after the previous one was received; returns the writes made inside SendAsync.</summary>
    private static async Task<int> SendOneByOneAsync(int bodyLength, int count)
    {
        var (a, b) = InMemoryDuplexStream.CreatePair();
        var recording = new WriteCountingStream(a, () => t_insideSend);
        var (client, server) = await TransportPair.CreateAsync(clientStream: recording, serverStream: b);
        await using (client)
        await using (server)
        {
            for (int i = 0; i < count; i++)
            {
                // The previous packet arrived, so the send loop has finished with it (and is idle, or nearly).
                t_insideSend = true;
                ValueTask send;
                try
                {
                    send = client.SendAsync(MakePacket(bodyLength));
                }
                finally
                {
                    t_insideSend = false;
                }
                await send.AsTask().WithTimeout();
                using Packet received = await server.ReceiveAsync().WithTimeout();
                Assert.Equal(bodyLength + 1, received.PayloadLength);
            }
            return recording.MarkedWrites;
        }
    }

    [Fact]
    public async Task SmallPacket_IdleLoop_WrittenInsideSendAsync()
    {
        // Each send finds the loop idle unless it had not quite gone back to waiting: most must be written inline.
        Assert.True(await SendOneByOneAsync(100, 20) >= 10);
    }

    [Fact]
    public async Task BulkPacket_NeverWrittenOnTheSendersThread()
    {
        Assert.Equal(0, await SendOneByOneAsync(32 * 1024, 20));
    }
}
