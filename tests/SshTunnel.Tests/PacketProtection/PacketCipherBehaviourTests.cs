using System.Buffers.Binary;
using SshTunnel.Transport.PacketProtection;
using static SshTunnel.Tests.PacketProtection.CipherTestKit;

namespace SshTunnel.Tests.PacketProtection;

/// <summary>Round trips, tampering, sequence numbers, argument checks and allocation behaviour of every construction.</summary>
public class PacketCipherBehaviourTests
{
    [Theory]
    [MemberData(nameof(CipherTestKit.Kinds), MemberType = typeof(CipherTestKit))]
    public void SealThenOpen_RoundTripsRandomPacketsAndSequenceNumbers(string kind)
    {
        (IPacketCipher sender, IPacketCipher receiver) = CreatePair(kind);
        using (sender)
        using (receiver)
        {
            var random = new Random(42);
            uint seq = (uint)random.Next();
            int[] sizes = [0, 1, 15, 16, 17, 63, 64, 65, 255, 1000, 4095, 4096, 4097, 32768, 35000];
            for (int i = 0; i < 60; i++)
            {
                int payloadLength = i < sizes.Length ? sizes[i] : random.Next(0, 70000);
                byte[] plain = MakePacket(sender, payloadLength, random);
                Assert.Equal(0, (plain.Length - (sender.PaddingCoversLength ? 0 : 4)) % sender.PaddingAlignment);
                byte[] packet = (byte[])plain.Clone();
                byte[] tag = new byte[sender.TagLength];
                sender.Seal(seq, packet, tag);
                if (kind != None) Assert.False(packet.AsSpan(5).SequenceEqual(plain.AsSpan(5)), "body must be encrypted");

                Assert.Equal((uint)(plain.Length - 4), receiver.DecryptLength(seq, packet));
                Assert.True(receiver.TryOpen(seq, packet, tag));
                Assert.True(packet.AsSpan(4).SequenceEqual(plain.AsSpan(4)));
                seq = i == 30 ? uint.MaxValue : unchecked(seq + 1); // crosses the 32-bit wrap
            }
        }
    }

    [Theory]
    [MemberData(nameof(CipherTestKit.KindsWithTag), MemberType = typeof(CipherTestKit))]
    public void TamperingWithAnyByteOfLengthBodyOrTag_IsRejectedAndStateIsKept(string kind)
    {
        (IPacketCipher sender, IPacketCipher receiver) = CreatePair(kind);
        using (sender)
        using (receiver)
        {
            var random = new Random(7);
            byte[] plain = MakePacket(sender, 30, random);
            byte[] sealedPacket = (byte[])plain.Clone();
            byte[] tag = new byte[sender.TagLength];
            sender.Seal(99, sealedPacket, tag);

            byte[] wire = [.. sealedPacket, .. tag];
            for (int position = 0; position < wire.Length; position++)
            {
                foreach (byte flip in new byte[] { 0x01, 0x80 })
                {
                    byte[] tampered = (byte[])wire.Clone();
                    tampered[position] ^= flip;
                    byte[] packet = tampered[..sealedPacket.Length];
                    Assert.False(receiver.TryOpen(99, packet, tampered.AsSpan(sealedPacket.Length)), $"byte {position} flipped with {flip:x2} was accepted");
                    Assert.False(packet.AsSpan(5).SequenceEqual(plain.AsSpan(5)), "plaintext must not be released on failure");
                }
            }

            // A failed open changes nothing: the genuine packet still opens (GCM counter, CTR keystream position).
            Assert.True(receiver.TryOpen(99, sealedPacket, tag));
            Assert.True(sealedPacket.AsSpan(4).SequenceEqual(plain.AsSpan(4)));
        }
    }

    [Theory]
    [MemberData(nameof(CipherTestKit.SequenceBoundKinds), MemberType = typeof(CipherTestKit))]
    public void WrongSequenceNumber_IsRejected(string kind)
    {
        (IPacketCipher sender, IPacketCipher receiver) = CreatePair(kind);
        using (sender)
        using (receiver)
        {
            byte[] packet = MakePacket(sender, 100, new Random(3));
            byte[] tag = new byte[sender.TagLength];
            sender.Seal(5, packet, tag);
            foreach (uint wrong in new uint[] { 4, 6, 5 | 0x80000000u, uint.MaxValue })
            {
                Assert.False(receiver.TryOpen(wrong, (byte[])packet.Clone(), tag));
            }

            Assert.True(receiver.TryOpen(5, packet, tag));
        }
    }

    [Theory]
    [InlineData("aes128-gcm")]
    [InlineData("aes256-gcm")]
    public void AesGcm_SkippedOrReplayedPacket_IsRejected(string kind)
    {
        (IPacketCipher sender, IPacketCipher receiver) = CreatePair(kind);
        using (sender)
        using (receiver)
        {
            var random = new Random(5);
            byte[] first = MakePacket(sender, 20, random);
            byte[] second = MakePacket(sender, 20, random);
            byte[] tag1 = new byte[16];
            byte[] tag2 = new byte[16];
            sender.Seal(0, first, tag1);
            sender.Seal(1, second, tag2);

            Assert.False(receiver.TryOpen(1, (byte[])second.Clone(), tag2)); // skipped the first: counter mismatch
            byte[] firstCopy = (byte[])first.Clone();
            Assert.True(receiver.TryOpen(0, first, tag1));
            Assert.False(receiver.TryOpen(0, firstCopy, tag1)); // replay
            Assert.True(receiver.TryOpen(1, second, tag2));
        }
    }

    [Theory]
    [MemberData(nameof(CipherTestKit.Kinds), MemberType = typeof(CipherTestKit))]
    public void HotPath_DoesNotAllocate(string kind)
    {
        if (kind == ChaChaBouncyCastle) return; // the BouncyCastle fallback allocates small parameter objects per packet (documented)
        (IPacketCipher sender, IPacketCipher receiver) = CreatePair(kind);
        using (sender)
        using (receiver)
        {
            byte[] packet = MakePacket(sender, 1000, new Random(9));
            byte[] tag = new byte[sender.TagLength];
            uint seq = 0;
            void RoundTrip()
            {
                sender.Seal(seq, packet, tag);
                _ = receiver.DecryptLength(seq, packet);
                if (!receiver.TryOpen(seq, packet, tag)) throw new InvalidOperationException("open failed");
                seq++;
            }

            for (int i = 0; i < 50; i++) RoundTrip(); // warm up (JIT, lazy native state)
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++) RoundTrip();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // One allocation per packet would be >= 24 bytes x 1000 = 24,000 bytes. A few hundred bytes can come from the
            // runtime itself mid-loop (tiered re-JIT installing code under load), so the bound is per packet, not zero.
            Assert.True(allocated < 4096, $"{kind}: 1000 seal/open round trips allocated {allocated} bytes");
        }
    }

    [Theory]
    [MemberData(nameof(CipherTestKit.KindsWithTag), MemberType = typeof(CipherTestKit))]
    public void UsingTheWrongDirection_Throws(string kind)
    {
        (IPacketCipher sender, IPacketCipher receiver) = CreatePair(kind);
        using (sender)
        using (receiver)
        {
            byte[] packet = MakePacket(sender, 10, new Random(1));
            byte[] tag = new byte[sender.TagLength];
            Assert.Throws<InvalidOperationException>(() => receiver.Seal(0, packet, tag));
            Assert.Throws<InvalidOperationException>(() => sender.TryOpen(0, packet, tag));
        }
    }

    [Theory]
    [MemberData(nameof(CipherTestKit.Kinds), MemberType = typeof(CipherTestKit))]
    public void BadArguments_ThrowArgumentException(string kind)
    {
        (IPacketCipher sender, IPacketCipher receiver) = CreatePair(kind);
        using (sender)
        using (receiver)
        {
            Assert.Throws<ArgumentException>(() => sender.Seal(0, new byte[3], new byte[sender.TagLength]));
            Assert.Throws<ArgumentException>(() => sender.Seal(0, new byte[20], new byte[sender.TagLength + 1]));
            Assert.Throws<ArgumentException>(() => receiver.TryOpen(0, new byte[20], new byte[sender.TagLength + 1]));
            Assert.Throws<ArgumentException>(() => receiver.DecryptLength(0, new byte[3]));
            if (sender.TagLength > 0)
            {
                Assert.Throws<ArgumentException>(() => receiver.TryOpen(0, new byte[20], new byte[sender.TagLength - 1]));
            }
        }
    }

    [Theory]
    [MemberData(nameof(CipherTestKit.KindsWithTag), MemberType = typeof(CipherTestKit))]
    public void UseAfterDispose_ThrowsObjectDisposed(string kind)
    {
        (IPacketCipher sender, IPacketCipher receiver) = CreatePair(kind);
        sender.Dispose();
        receiver.Dispose();
        sender.Dispose(); // idempotent
        byte[] packet = MakePacket(sender, 10, new Random(1));
        Assert.Throws<ObjectDisposedException>(() => sender.Seal(0, packet, new byte[sender.TagLength]));
        Assert.Throws<ObjectDisposedException>(() => receiver.TryOpen(0, packet, new byte[sender.TagLength]));
    }

    [Fact]
    public void None_IsClearTextWithLengthCoveredByPadding()
    {
        IPacketCipher none = NoneCipher.Instance;
        Assert.Equal(8, none.PaddingAlignment);
        Assert.True(none.PaddingCoversLength);
        Assert.Equal(0, none.TagLength);
        byte[] packet = [0, 0, 0, 12, 4, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        byte[] copy = (byte[])packet.Clone();
        none.Seal(3, packet, []);
        Assert.Equal(copy, packet);
        Assert.Equal(12u, none.DecryptLength(3, packet));
        Assert.True(none.TryOpen(3, packet, []));
        Assert.Equal(copy, packet);
    }

    [Theory]
    [InlineData("aes128-gcm", 16, false, 16)]
    [InlineData("aes256-gcm", 16, false, 16)]
    [InlineData(ChaChaNative, 8, false, 16)]
    [InlineData(ChaChaBouncyCastle, 8, false, 16)]
    [InlineData("aes128-ctr+sha256", 16, false, 32)]
    [InlineData("aes192-ctr+sha512", 16, false, 64)]
    public void Properties_MatchTheConstruction(string kind, int alignment, bool coversLength, int tagLength)
    {
        (IPacketCipher sender, IPacketCipher receiver) = CreatePair(kind);
        using (sender)
        using (receiver)
        {
            Assert.Equal(alignment, sender.PaddingAlignment);
            Assert.Equal(coversLength, sender.PaddingCoversLength);
            Assert.Equal(tagLength, sender.TagLength);
            Assert.Equal(tagLength, receiver.TagLength);
        }
    }

    [Theory]
    [InlineData("aes128-gcm")]
    [InlineData("aes128-ctr+sha256")]
    [InlineData(ChaChaNative)]
    public void LengthField_IsClearForGcmAndCtr_EncryptedForChaCha(string kind)
    {
        (IPacketCipher sender, IPacketCipher receiver) = CreatePair(kind);
        using (sender)
        using (receiver)
        {
            byte[] packet = MakePacket(sender, 50, new Random(2));
            uint length = BinaryPrimitives.ReadUInt32BigEndian(packet);
            sender.Seal(1, packet, new byte[sender.TagLength]);
            bool clear = BinaryPrimitives.ReadUInt32BigEndian(packet) == length;
            Assert.Equal(kind != ChaChaNative, clear);
            Assert.Equal(length, receiver.DecryptLength(1, packet));
        }
    }
}
