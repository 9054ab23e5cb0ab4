using SshTunnel.Transport;
using SshTunnel.Transport.PacketProtection;
using SshTunnel.Wire;

namespace SshTunnel.Tests.PacketProtection;

public class PacketCipherFactoryTests
{
    [Fact]
    public void Lists_NameTheSupportedAlgorithmsInPreferenceOrder()
    {
        Assert.Equal(
            ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr"],
            PacketCipherFactory.SupportedCiphers);
        Assert.Equal(["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"], PacketCipherFactory.SupportedMacs);
    }

    [Theory]
    [InlineData(AlgorithmNames.Aes128Gcm, true, 16, 12)]
    [InlineData(AlgorithmNames.Aes256Gcm, true, 32, 12)]
    [InlineData(AlgorithmNames.ChaCha20Poly1305, true, 64, 0)]
    [InlineData(AlgorithmNames.Aes128Ctr, false, 16, 16)]
    [InlineData(AlgorithmNames.Aes192Ctr, false, 24, 16)]
    [InlineData(AlgorithmNames.Aes256Ctr, false, 32, 16)]
    [InlineData(AlgorithmNames.None, false, 0, 0)]
    public void Sizes_MatchOpenSsh(string cipher, bool aead, int keyLength, int ivLength)
    {
        Assert.Equal(aead, PacketCipherFactory.IsAead(cipher));
        Assert.Equal(keyLength, PacketCipherFactory.GetKeyLength(cipher));
        Assert.Equal(ivLength, PacketCipherFactory.GetIvLength(cipher));
    }

    [Fact]
    public void MacKeyLengths()
    {
        Assert.Equal(0, PacketCipherFactory.GetMacKeyLength(null));
        Assert.Equal(32, PacketCipherFactory.GetMacKeyLength(AlgorithmNames.HmacSha2256Etm));
        Assert.Equal(64, PacketCipherFactory.GetMacKeyLength(AlgorithmNames.HmacSha2512Etm));
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.GetMacKeyLength("hmac-sha1"));
    }

    [Theory]
    [InlineData(AlgorithmNames.Aes128Gcm, null, typeof(AesGcmPacketCipher))]
    [InlineData(AlgorithmNames.Aes256Gcm, AlgorithmNames.HmacSha2256Etm, typeof(AesGcmPacketCipher))] // MAC ignored with AEAD
    [InlineData(AlgorithmNames.ChaCha20Poly1305, null, typeof(ChaCha20Poly1305PacketCipher))]
    [InlineData(AlgorithmNames.Aes128Ctr, AlgorithmNames.HmacSha2256Etm, typeof(AesCtrEtmPacketCipher))]
    [InlineData(AlgorithmNames.Aes192Ctr, AlgorithmNames.HmacSha2512Etm, typeof(AesCtrEtmPacketCipher))]
    [InlineData(AlgorithmNames.Aes256Ctr, AlgorithmNames.HmacSha2512Etm, typeof(AesCtrEtmPacketCipher))]
    [InlineData(AlgorithmNames.None, null, typeof(NoneCipher))]
    public void Create_BuildsTheRightConstruction(string cipher, string? mac, Type expected)
    {
        byte[] key = new byte[PacketCipherFactory.GetKeyLength(cipher)];
        byte[] iv = new byte[PacketCipherFactory.GetIvLength(cipher)];
        byte[] macKey = new byte[PacketCipherFactory.IsAead(cipher) ? 0 : PacketCipherFactory.GetMacKeyLength(mac)];
        using IPacketCipher created = PacketCipherFactory.Create(cipher, mac, key, iv, macKey, forEncryption: true);
        Assert.IsType(expected, created);
    }

    [Fact]
    public void Create_RejectsUnknownNamesAndWrongSizes()
    {
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.Create("aes128-cbc", null, new byte[16], new byte[16], [], true));
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, "hmac-md5", new byte[16], new byte[16], new byte[16], true));
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, null, new byte[16], new byte[16], [], true));
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, AlgorithmNames.HmacSha2256Etm, new byte[16], new byte[16], new byte[31], true));
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.Create(AlgorithmNames.Aes128Gcm, null, new byte[32], new byte[12], [], true));
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.Create(AlgorithmNames.Aes128Gcm, null, new byte[16], new byte[16], [], true));
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.Create(AlgorithmNames.ChaCha20Poly1305, null, new byte[32], [], [], true));
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.IsAead("3des-cbc"));
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.GetKeyLength("blowfish-cbc"));
        Assert.Throws<ArgumentException>(() => PacketCipherFactory.GetIvLength(""));
    }
}
