using System.Buffers.Binary;
using System.Security.Cryptography;
using SshTunnel.Transport.PacketProtection;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Independent;

/// <summary>
/// hmac-sha2-256 / hmac-sha2-512 (RFC 6668, RFC 4253 §6.4: encrypt-and-MAC) with AES-CTR, added for Dropbear, which
/// offers no EtM MAC: the whole packet, length included, is encrypted, and the MAC covers the plaintext.
/// </summary>
public sealed class EncryptAndMacTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    private const string Sp80038AKey = "2b7e151628aed2a6abf7158809cf4f3c";
    private const string Sp80038AIv = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    private const string Sp80038APlaintext =
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
    private const string Sp80038ACiphertext =
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee";

    [Fact]
    public void Factory_KnowsTheNamesAndKeySizes()
    {
        Assert.Equal(32, PacketCipherFactory.GetMacKeyLength("hmac-sha2-256"));
        Assert.Equal(64, PacketCipherFactory.GetMacKeyLength("hmac-sha2-512"));
        using IPacketCipher cipher = PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, "hmac-sha2-512", new byte[16], new byte[16], new byte[64], true);
        Assert.Equal(64, cipher.TagLength);
        Assert.True(cipher.PaddingCoversLength); // the length is encrypted: 4 + packet_length is a whole number of blocks
        Assert.Equal(16, cipher.PaddingAlignment);
        using IPacketCipher etm = PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, AlgorithmNames.HmacSha2256Etm, new byte[16], new byte[16], new byte[32], true);
        Assert.False(etm.PaddingCoversLength);
    }

    /// <summary>SP 800-38A F.5.1: the length field is encrypted with the first 4 bytes of keystream, like the rest.</summary>
    [Fact]
    public void Seal_EncryptsThePacketLengthIncluded_AndMacsThePlaintext()
    {
        byte[] macKey = RandomNumberGenerator.GetBytes(32);
        using IPacketCipher sender = PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, "hmac-sha2-256", Hex(Sp80038AKey), Hex(Sp80038AIv), macKey, true);
        byte[] plain = Hex(Sp80038APlaintext);
        byte[] packet = (byte[])plain.Clone();
        byte[] tag = new byte[32];
        sender.Seal(7, packet, tag);
        Assert.Equal(Sp80038ACiphertext, Convert.ToHexStringLower(packet));
        byte[] macInput = [0, 0, 0, 7, .. plain];
        Assert.Equal(HMACSHA256.HashData(macKey, macInput), tag);
    }

    /// <summary>RFC 4231 test case 2 ("Jefe"): the received packet's plaintext is what the MAC must cover.</summary>
    [Theory]
    [InlineData("hmac-sha2-256", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("hmac-sha2-512",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")]
    public void TryOpen_AcceptsThePublishedMacOfThePlaintext_AndRejectsAnother(string mac, string expected)
    {
        byte[] macKey = new byte[PacketCipherFactory.GetMacKeyLength(mac)];
        "Jefe"u8.CopyTo(macKey);
        byte[] key = RandomNumberGenerator.GetBytes(16), iv = RandomNumberGenerator.GetBytes(16);
        uint seq = BinaryPrimitives.ReadUInt32BigEndian("what"u8);
        byte[] plain = " do ya want for nothing?"u8.ToArray();

        // Encrypt " do ya ..." with the same key stream, as a peer would, then open it.
        using IPacketCipher sender = PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, mac, key, iv, macKey, true);
        byte[] wire = (byte[])plain.Clone();
        byte[] tag = new byte[macKey.Length];
        sender.Seal(seq, wire, tag);
        Assert.Equal(expected, Convert.ToHexStringLower(tag));
        Assert.NotEqual(plain, wire);

        using IPacketCipher receiver = PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, mac, key, iv, macKey, false);
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(plain), receiver.DecryptLength(seq, wire));
        byte[] opened = (byte[])wire.Clone();
        Assert.True(receiver.TryOpen(seq, opened, tag));
        Assert.Equal(plain[4..], opened[4..]);
        Assert.Equal(wire[..4], opened[..4]); // the length field is left as received

        using IPacketCipher other = PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, mac, key, iv, macKey, false);
        byte[] badTag = (byte[])tag.Clone();
        badTag[^1] ^= 1;
        Assert.False(other.TryOpen(seq, (byte[])wire.Clone(), badTag));
    }

    /// <summary>
    /// A stream of packets (sizes that cross the 4 KiB keystream batch): the receiver reads each length (twice, as the
    /// transport may before the whole packet is in) before opening it, and gets every packet back.
    /// </summary>
    [Theory]
    [InlineData(AlgorithmNames.Aes128Ctr, "hmac-sha2-256")]
    [InlineData(AlgorithmNames.Aes256Ctr, "hmac-sha2-512")]
    public void PacketStream_RoundTrips(string cipherName, string mac)
    {
        int keyLength = PacketCipherFactory.GetKeyLength(cipherName), macLength = PacketCipherFactory.GetMacKeyLength(mac);
        byte[] key = RandomNumberGenerator.GetBytes(keyLength), iv = RandomNumberGenerator.GetBytes(16), macKey = RandomNumberGenerator.GetBytes(macLength);
        using IPacketCipher sender = PacketCipherFactory.Create(cipherName, mac, key, iv, macKey, true);
        using IPacketCipher receiver = PacketCipherFactory.Create(cipherName, mac, key, iv, macKey, false);
        uint seq = uint.MaxValue - 2; // wraps
        foreach (int total in new[] { 16, 48, 1600, 3200, 32, 4096, 16, 8192 + 64 })
        {
            byte[] plain = RandomNumberGenerator.GetBytes(total);
            BinaryPrimitives.WriteUInt32BigEndian(plain, (uint)(total - 4));
            byte[] wire = (byte[])plain.Clone();
            byte[] tag = new byte[macLength];
            sender.Seal(seq, wire, tag);
            Assert.Equal((uint)(total - 4), receiver.DecryptLength(seq, wire.AsSpan(0, 4)));
            Assert.Equal((uint)(total - 4), receiver.DecryptLength(seq, wire.AsSpan(0, 4)));
            Assert.True(receiver.TryOpen(seq, wire, tag), $"packet of {total} bytes");
            Assert.Equal(plain[4..], wire[4..]);
            seq = unchecked(seq + 1);
        }
    }
}
