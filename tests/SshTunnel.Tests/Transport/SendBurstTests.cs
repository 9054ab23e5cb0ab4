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

    /// <summary>Counts the writes made while the test thread has <see cref="t_recording"/> set.</summary>
    private sealed class RecordingStream(Stream inner) : Stream
    {
        private int _writes;

        public int WritesOnTestThread;

        public int Writes => Volatile.Read(ref _writes);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Record();
            inner.Write(buffer, offset, count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Record();
            return inner.WriteAsync(buffer, cancellationToken);
        }

        private void Record()
        {
            Interlocked.Increment(ref _writes);
            if (t_recording) Interlocked.Increment(ref WritesOnTestThread);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

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
        var recording = new RecordingStream(a);
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
                        writesDuringBurst = recording.WritesOnTestThread;
                    }
                    writesAtEnd = recording.WritesOnTestThread - writesDuringBurst;
                }
                finally
                {
                    t_recording = false;
                }
                recording.WritesOnTestThread = 0;

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
