using SshTunnel.Tests.Infrastructure;
using SshTunnel.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Transport;

/// <summary>
/// <see cref="TransportConnection.BeginSendBurst"/>: bulk packets queued synchronously inside a burst are written by
/// the idle send loop when the burst ends, on the sender's thread, together (one flush), not one by one and not
/// on a thread-pool thread.
/// </summary>
public class SendBurstTests
{
    [ThreadStatic]
    private static bool t_recording;

    private static Packet MakePacket(byte tag, int bodyLength)
    {
        var writer = new SshWriter(bodyLength + 2);
        writer.WriteByte(200);
        writer.WriteByte(tag);
        writer.WriteBytes(new byte[bodyLength]);
        return writer.ToPacket();
    }

    [Fact]
    public async Task BulkPacketsInABurst_WrittenTogetherWhenTheBurstEnds_OnTheSendersThread()
    {
        const int PacketsPerBurst = 6; // 6 x 32 KiB fits the 256 KiB output segment: one write per flush
        var (a, b) = InMemoryDuplexStream.CreatePair();
        var recording = new WriteCountingStream(a, () => t_recording);
        var (client, server) = await TransportPair.CreateAsync(clientStream: recording, serverStream: b);
        await using (client)
        await using (server)
        {
            int together = 0;
            for (int round = 0; round < 10; round++)
            {
                // A small round trip first, so the send loop is idle (or nearly) when the burst starts.
                await client.SendAsync(MakePacket(255, 10)).WithTimeout();
                using (Packet echo = await server.ReceiveAsync().WithTimeout()) Assert.Equal(255, echo.Payload[1]);

                int writesDuringBurst, writesAtEnd;
                int before = recording.Writes;
                t_recording = true;
                try
                {
                    using (TransportConnection.BeginSendBurst())
                    {
                        for (int i = 0; i < PacketsPerBurst; i++)
                        {
                            ValueTask send = client.SendAsync(MakePacket((byte)i, 32 * 1024));
                            Assert.True(send.IsCompleted); // queued, never waits (the queue has room)
                            await send; // completed: continues synchronously, still inside the burst on this thread
                        }
                        writesDuringBurst = recording.MarkedWrites;
                    }
                    writesAtEnd = recording.MarkedWrites - writesDuringBurst;
                }
                finally
                {
                    t_recording = false;
                }
                recording.MarkedWrites = 0;

                for (int i = 0; i < PacketsPerBurst; i++)
                {
                    using Packet received = await server.ReceiveAsync().WithTimeout();
                    Assert.Equal(32 * 1024 + 2, received.PayloadLength);
                    Assert.Equal(i, received.Payload[1]); // in order
                }
                int writes = recording.Writes - before;
                if (writesDuringBurst == 0 && writesAtEnd == 1 && writes == 1) together++;
            }
            // Each round finds the loop idle unless it had not quite gone back to waiting: most rounds must be one write.
            Assert.True(together >= 5, $"only {together} of 10 bursts went out in one write at the burst's end");
        }
    }
}
