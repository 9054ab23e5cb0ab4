using System.Diagnostics;
using System.IO.Compression;
using SshTunnel.Errors;
using SshTunnel.Transport.Compression;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Compression;

public class ZlibTests
{
    private static byte[] MakePayload(Random random, int length, bool compressible)
    {
        byte[] payload = new byte[length];
        if (compressible)
        {
            byte[] words = "SSH_MSG_CHANNEL_DATA window adjust tcpip-forward direct-tcpip "u8.ToArray();
            for (int i = 0; i < length; i++) payload[i] = words[(i + random.Next(3)) % words.Length];
        }
        else
        {
            random.NextBytes(payload);
        }

        if (length > 0) payload[0] = 94;
        return payload;
    }

    [Fact]
    public void ManyPackets_RoundTripThroughOnePair_EachEndingInSyncFlush()
    {
        using var compressor = new ZlibCompressor();
        using var decompressor = new ZlibDecompressor();
        var random = new Random(11);
        int[] fixedSizes = [1, 2, 100, 32768, 65536, 0, 1];
        for (int i = 0; i < 300; i++)
        {
            int size = i < fixedSizes.Length ? fixedSizes[i] : random.Next(1, i % 50 == 0 ? 200_000 : 3000);
            byte[] payload = MakePayload(random, size, compressible: i % 3 != 0);
            using Packet compressed = compressor.Compress(payload);
            if (size > 0) Assert.True(compressed.Payload.EndsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xff, 0xff]), $"packet {i} lacks the sync flush marker");
            using Packet inflated = decompressor.Decompress(compressed.Payload);
            Assert.True(inflated.Payload.SequenceEqual(payload), $"packet {i} ({size} bytes) did not round-trip");
        }
    }

    [Fact]
    public void Compressor_KeepsOneStreamAcrossPackets()
    {
        // The second copy of a payload refers back to the first through the shared window, so it is much smaller.
        using var compressor = new ZlibCompressor();
        byte[] payload = MakePayload(new Random(1), 2000, compressible: false);
        using Packet first = compressor.Compress(payload);
        using Packet second = compressor.Compress(payload);
        Assert.True(second.PayloadLength < first.PayloadLength / 4, $"{first.PayloadLength} then {second.PayloadLength}");

        // And a fresh decompressor cannot inflate the second packet alone.
        using var fresh = new ZlibDecompressor();
        Assert.Throws<SshProtocolException>(() => fresh.Decompress(second.Payload).Dispose());
    }

    [Fact]
    public void InflatingBeyondTheLimit_ThrowsCompressionError()
    {
        using var compressor = new ZlibCompressor();
        using var decompressor = new ZlibDecompressor();
        using Packet bomb = compressor.Compress(new byte[SshProtocolLimits.MaxInflatedPayload + 1]);
        Assert.True(bomb.PayloadLength < 2000);
        SshProtocolException ex = Assert.Throws<SshProtocolException>(() => decompressor.Decompress(bomb.Payload).Dispose());
        Assert.Equal(DisconnectReason.CompressionError, ex.Reason);

        // Exactly at the limit is fine.
        using var compressor2 = new ZlibCompressor();
        using var decompressor2 = new ZlibDecompressor();
        using Packet atLimit = compressor2.Compress(new byte[SshProtocolLimits.MaxInflatedPayload]);
        using Packet inflated = decompressor2.Decompress(atLimit.Payload);
        Assert.Equal(SshProtocolLimits.MaxInflatedPayload, inflated.PayloadLength);
    }

    [Theory]
    [InlineData(100, 100, true)]
    [InlineData(101, 100, false)]
    [InlineData(5000, 4999, false)]
    public void CustomLimit_IsEnforced(int size, int limit, bool accepted)
    {
        using var compressor = new ZlibCompressor();
        using var decompressor = new ZlibDecompressor(limit);
        using Packet compressed = compressor.Compress(new byte[size]);
        if (accepted)
        {
            using Packet inflated = decompressor.Decompress(compressed.Payload);
            Assert.Equal(size, inflated.PayloadLength);
        }
        else
        {
            Assert.Equal(DisconnectReason.CompressionError, Assert.Throws<SshProtocolException>(() => decompressor.Decompress(compressed.Payload).Dispose()).Reason);
        }
    }

    [Fact]
    public void Garbage_ThrowsCompressionError()
    {
        using var decompressor = new ZlibDecompressor();
        SshProtocolException ex = Assert.Throws<SshProtocolException>(() => decompressor.Decompress([0x12, 0x34, 0x56, 0x78, 0x9a]).Dispose());
        Assert.Equal(DisconnectReason.CompressionError, ex.Reason);
    }

    [Fact]
    public void CorruptedPackets_OnlyEverThrowSshProtocolException()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            using var compressor = new ZlibCompressor();
            using var decompressor = new ZlibDecompressor();
            using Packet good = compressor.Compress(MakePayload(random, 300, compressible: true));
            using Packet next = compressor.Compress(MakePayload(random, 300, compressible: trial % 2 == 0));
            using Packet goodInflated = decompressor.Decompress(good.Payload);
            byte[] corrupted = next.Payload.ToArray();
            corrupted[random.Next(corrupted.Length)] ^= (byte)(1 << random.Next(8));
            if (trial % 4 == 0) corrupted = corrupted[..random.Next(corrupted.Length)];
            try
            {
                decompressor.Decompress(corrupted).Dispose();
            }
            catch (SshProtocolException ex)
            {
                Assert.Equal(DisconnectReason.CompressionError, ex.Reason);
            }
        }
    }

    [Fact]
    public void PacketsAfterAFinishedStream_AreRejected()
    {
        // OpenSSH never finishes its zlib stream; a peer that does (Z_FINISH) and keeps sending must not have the
        // following packets silently inflate to nothing.
        var finished = new MemoryStream();
        using (var z = new ZLibStream(finished, CompressionLevel.Optimal, leaveOpen: true)) z.Write("hello"u8);
        using var compressor = new ZlibCompressor();
        using Packet other = compressor.Compress("world"u8);
        using var decompressor = new ZlibDecompressor();
        using (Packet hello = decompressor.Decompress(finished.ToArray())) Assert.True(hello.Payload.SequenceEqual("hello"u8));
        Assert.Throws<SshProtocolException>(() => decompressor.Decompress(other.Payload).Dispose());
    }

    [Fact]
    public void Disposed_Throws()
    {
        var compressor = new ZlibCompressor();
        var decompressor = new ZlibDecompressor();
        compressor.Dispose();
        decompressor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => compressor.Compress("x"u8).Dispose());
        Assert.Throws<ObjectDisposedException>(() => decompressor.Decompress([0x78, 0x9c]).Dispose());
    }

    private const string PythonScript = """
        import sys, zlib, random
        mode = sys.argv[1]
        if mode == "deflate":
            rnd = random.Random(7)
            c = zlib.compressobj(6)
            for i in range(60):
                n = rnd.randrange(1, 5000)
                words = b"SSH_MSG_CHANNEL_DATA window direct-tcpip "
                data = bytes(words[(j * 7 + rnd.randrange(3)) % len(words)] for j in range(n)) if i % 2 else bytes(rnd.randrange(256) for _ in range(n))
                flush = zlib.Z_PARTIAL_FLUSH if i % 3 else zlib.Z_SYNC_FLUSH
                out = c.compress(data) + c.flush(flush)
                print(data.hex(), out.hex())
        else:
            d = zlib.decompressobj()
            for line in sys.stdin:
                comp, expected = line.split()
                got = d.decompress(bytes.fromhex(comp))
                print("ok" if got.hex() == expected else "bad")
        """;

    private static string? RunPython(string mode, string input)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(PythonScript);
        start.ArgumentList.Add(mode);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // python3 not installed: the cross-check is optional
        }

        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(input);
            process.StandardInput.Close();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                Assert.Fail("python3 did not finish");
            }

            Assert.True(process.ExitCode == 0, errors.Result);
            return output.Result;
        }
    }

    [Fact]
    public void InflatesEveryPacketOfSystemZlibWithPartialAndSyncFlush()
    {
        string? output = RunPython("deflate", "");
        if (output is null) return;
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(60, lines.Length);
        using var decompressor = new ZlibDecompressor();
        foreach (string line in lines)
        {
            string[] parts = line.Split(' ');
            using Packet inflated = decompressor.Decompress(Convert.FromHexString(parts[1]));
            Assert.Equal(parts[0], Convert.ToHexStringLower(inflated.Payload));
        }
    }

    [Fact]
    public void SystemZlibInflatesEveryPacketWeCompress()
    {
        var random = new Random(3);
        var input = new System.Text.StringBuilder();
        using var compressor = new ZlibCompressor();
        for (int i = 0; i < 50; i++)
        {
            byte[] payload = MakePayload(random, random.Next(1, 4000), compressible: i % 2 == 0);
            using Packet compressed = compressor.Compress(payload);
            input.Append(Convert.ToHexStringLower(compressed.Payload)).Append(' ').Append(Convert.ToHexStringLower(payload)).Append('\n');
        }

        string? output = RunPython("inflate", input.ToString());
        if (output is null) return;
        Assert.Equal(Enumerable.Repeat("ok", 50), output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
