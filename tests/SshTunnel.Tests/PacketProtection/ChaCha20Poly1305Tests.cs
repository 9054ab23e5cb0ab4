using System.Buffers.Binary;
using SshTunnel.Transport.PacketProtection;
using static SshTunnel.Tests.PacketProtection.CipherTestKit;

namespace SshTunnel.Tests.PacketProtection;

/// <summary>chacha20-poly1305@openssh.com specifics: backend equivalence, DecryptLength, native availability.</summary>
public class ChaCha20Poly1305Tests
{
    [Fact]
    public void NativeBackend_IsAvailableOnLinux()
    {
        RequireNative();
        Assert.Equal(LibCrypto.IsLoaded && ChaCha20Poly1305PacketCipher.IsNativeAvailable, ChaCha20Poly1305PacketCipher.IsNativeAvailable);
        using var cipher = new ChaCha20Poly1305PacketCipher(new byte[64], true);
        Assert.Equal(ChaCha20Poly1305PacketCipher.IsNativeAvailable, cipher.UsesNativeBackend);
    }

    [Fact]
    public void Backends_ProduceByteIdenticalPackets()
    {
        RequireNative();
        if (!ChaCha20Poly1305PacketCipher.IsNativeAvailable) return;
        var random = new Random(2024);
        for (int round = 0; round < 8; round++)
        {
            byte[] key = new byte[64];
            random.NextBytes(key);
            if (round == 0) key.AsSpan().Fill(0xff);
            using var native = new ChaCha20Poly1305PacketCipher(key, true, useNative: true);
            using var managed = new ChaCha20Poly1305PacketCipher(key, true, useNative: false);
            using var nativeReceiver = new ChaCha20Poly1305PacketCipher(key, false, useNative: true);
            using var managedReceiver = new ChaCha20Poly1305PacketCipher(key, false, useNative: false);
            for (int i = 0; i < 20; i++)
            {
                uint seq = i == 0 ? uint.MaxValue : (uint)random.Next();
                byte[] plain = MakePacket(native, random.Next(0, i < 2 ? 40000 : 5000), random);
                byte[] a = (byte[])plain.Clone();
                byte[] b = (byte[])plain.Clone();
                byte[] tagA = new byte[16];
                byte[] tagB = new byte[16];
                native.Seal(seq, a, tagA);
                managed.Seal(seq, b, tagB);
                Assert.Equal(a, b);
                Assert.Equal(tagA, tagB);

                // Each backend opens the other's packet.
                Assert.Equal((uint)(plain.Length - 4), managedReceiver.DecryptLength(seq, a));
                Assert.Equal((uint)(plain.Length - 4), nativeReceiver.DecryptLength(seq, b));
                Assert.True(managedReceiver.TryOpen(seq, a, tagA));
                Assert.True(nativeReceiver.TryOpen(seq, b, tagB));
                Assert.True(a.AsSpan(4).SequenceEqual(plain.AsSpan(4)));
                Assert.True(b.AsSpan(4).SequenceEqual(plain.AsSpan(4)));
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DecryptLength_UsesK1AndSequenceNumberAndLeavesInputUnchanged(bool native)
    {
        if (native && !ChaCha20Poly1305PacketCipher.IsNativeAvailable) return;
        byte[] key = Enumerable.Range(0, 64).Select(i => (byte)(i * 7)).ToArray();
        using var sender = new ChaCha20Poly1305PacketCipher(key, true, native);
        using var receiver = new ChaCha20Poly1305PacketCipher(key, false, native);
        byte[] packet = MakePacket(sender, 77, new Random(4));
        uint length = BinaryPrimitives.ReadUInt32BigEndian(packet);
        sender.Seal(1000, packet, new byte[16]);
        byte[] encryptedLength = packet[..4];

        Assert.Equal(length, receiver.DecryptLength(1000, packet));
        Assert.Equal(encryptedLength, packet[..4]);
        Assert.NotEqual(length, receiver.DecryptLength(1001, packet));

        // Only K_1 (bytes 32-63) matters for the length: changing K_2 keeps it, changing K_1 does not.
        byte[] otherK2 = (byte[])key.Clone();
        otherK2[0] ^= 1;
        using var receiverOtherK2 = new ChaCha20Poly1305PacketCipher(otherK2, false, native);
        Assert.Equal(length, receiverOtherK2.DecryptLength(1000, packet));
        Assert.False(receiverOtherK2.TryOpen(1000, (byte[])packet.Clone(), new byte[16]));
        byte[] otherK1 = (byte[])key.Clone();
        otherK1[63] ^= 1;
        using var receiverOtherK1 = new ChaCha20Poly1305PacketCipher(otherK1, false, native);
        Assert.NotEqual(length, receiverOtherK1.DecryptLength(1000, packet));
    }

    [Fact]
    public void Constructor_RejectsWrongKeyLength()
    {
        Assert.Throws<ArgumentException>(() => new ChaCha20Poly1305PacketCipher(new byte[32], true));
        Assert.Throws<ArgumentException>(() => new ChaCha20Poly1305PacketCipher(new byte[65], false, useNative: false));
    }
}
