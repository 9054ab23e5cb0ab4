using System.Security.Cryptography;
using SshTunnel.Transport;
using SshTunnel.Transport.PacketProtection;
using static SshTunnel.Tests.PacketProtection.CipherTestKit;
using SshTunnel.Wire;

namespace SshTunnel.Tests.PacketProtection;

/// <summary>Published vectors (SP 800-38A, RFC 4231, RFC 8439) and independent vectors of the whole SSH constructions.</summary>
public class PacketCipherVectorTests
{
    public static TheoryData<string, bool> PythonCases()
    {
        var data = new TheoryData<string, bool>();
        foreach (PythonVectors.VectorCase c in PythonVectors.All)
        {
            data.Add(c.Name, false);
            if (c.Cipher == AlgorithmNames.ChaCha20Poly1305) data.Add(c.Name, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PythonCases))]
    public void SealAndOpen_MatchIndependentImplementation(string name, bool bouncyCastle)
    {
        PythonVectors.VectorCase c = PythonVectors.All.Single(v => v.Name == name);
        using IPacketCipher sender = Create(c, forEncryption: true, bouncyCastle);
        using IPacketCipher receiver = Create(c, forEncryption: false, bouncyCastle);
        foreach (PythonVectors.VectorPacket p in c.Packets)
        {
            byte[] packet = Hex(p.Plain);
            byte[] tag = new byte[sender.TagLength];
            sender.Seal(p.Seq, packet, tag);
            Assert.Equal(p.Sealed, Convert.ToHexStringLower(packet));
            Assert.Equal(p.Tag, Convert.ToHexStringLower(tag));

            Assert.Equal((uint)(Hex(p.Plain).Length - 4), receiver.DecryptLength(p.Seq, packet));
            Assert.True(receiver.TryOpen(p.Seq, packet, tag));
            Assert.Equal(p.Plain[8..], Convert.ToHexStringLower(packet[4..]));
            Assert.Equal(p.Sealed[..8], Convert.ToHexStringLower(packet[..4])); // length field left as received
        }
    }

    private static IPacketCipher Create(PythonVectors.VectorCase c, bool forEncryption, bool bouncyCastle)
        => c.Cipher == AlgorithmNames.ChaCha20Poly1305
            ? new ChaCha20Poly1305PacketCipher(Hex(c.Key), forEncryption, useNative: !bouncyCastle && ChaCha20Poly1305PacketCipher.IsNativeAvailable)
            : PacketCipherFactory.Create(c.Cipher, c.Mac, Hex(c.Key), Hex(c.Iv), Hex(c.MacKey), forEncryption);

    private const string Sp80038APlaintext =
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

    [Theory]
    // SP 800-38A F.5.1 (CTR-AES128.Encrypt) and F.5.5 (CTR-AES256.Encrypt).
    [InlineData(AlgorithmNames.Aes128Ctr, "2b7e151628aed2a6abf7158809cf4f3c",
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee")]
    [InlineData(AlgorithmNames.Aes256Ctr, "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6")]
    public void AesCtr_Sp80038A(string cipher, string key, string expected)
    {
        byte[] iv = Hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        using IPacketCipher sender = PacketCipherFactory.Create(cipher, AlgorithmNames.HmacSha2256Etm, Hex(key), iv, new byte[32], true);
        byte[] packet = [0, 0, 0, 64, .. Hex(Sp80038APlaintext)];
        sender.Seal(0, packet, new byte[32]);
        Assert.Equal(expected, Convert.ToHexStringLower(packet[4..]));
    }

    [Fact]
    public void AesCtr_CounterStreamContinuesAcrossPacketsOfAnySize()
    {
        // Same four blocks as F.5.1, split over packets of 4, 16+12, 20 bytes: the counter and keystream position carry on.
        byte[] iv = Hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        using IPacketCipher sender = PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, AlgorithmNames.HmacSha2256Etm, Hex("2b7e151628aed2a6abf7158809cf4f3c"), iv, new byte[32], true);
        byte[] plain = Hex(Sp80038APlaintext);
        var output = new List<byte>();
        int offset = 0;
        foreach (int size in new[] { 4, 28, 20, 12 })
        {
            byte[] packet = [0, 0, 0, (byte)size, .. plain.AsSpan(offset, size)];
            sender.Seal(0, packet, new byte[32]);
            output.AddRange(packet[4..]);
            offset += size;
        }

        Assert.Equal("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
            Convert.ToHexStringLower(output.ToArray()));
    }

    [Theory]
    // 128-bit big-endian counter: the carry crosses the 64-bit halves, and all-ones wraps to zero (Python/OpenSSL CTR).
    [InlineData("0011223344556677ffffffffffffffff",
        "2108558ac4b2c2d5cc66cea51d6210e057066b76720dc3cc9e18578622bda406e28c60406bac0adb3e4f5c7032a133c0")]
    [InlineData("ffffffffffffffffffffffffffffffff",
        "3c441f32ce07822364d7a2990e50bb13c6a13b37878f5b826f4f8162a1c8d8797346139595c0b41e497bbde365f42d0a")]
    public void AesCtr_CounterCarries(string iv, string expectedKeystream)
    {
        byte[] key = Hex("000102030405060708090a0b0c0d0e0f");
        using IPacketCipher sender = PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, AlgorithmNames.HmacSha2256Etm, key, Hex(iv), new byte[32], true);
        byte[] packet = new byte[4 + 48];
        sender.Seal(0, packet, new byte[32]);
        Assert.Equal(expectedKeystream, Convert.ToHexStringLower(packet[4..]));
    }

    [Theory]
    // RFC 4231 test case 2 (key "Jefe", data "what do ya want for nothing?"). HMAC pads short keys with zeros, so "Jefe"
    // zero-extended to the SSH MAC key size gives the same MAC. The data splits into seq ("what"), packet_length (" do ")
    // and 20 bytes of ciphertext, so a receiver must accept exactly the published MAC.
    [InlineData(AlgorithmNames.HmacSha2256Etm, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData(AlgorithmNames.HmacSha2512Etm,
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")]
    public void EtmMac_Rfc4231TestCase2(string mac, string expected)
    {
        byte[] macKey = new byte[PacketCipherFactory.GetMacKeyLength(mac)];
        "Jefe"u8.CopyTo(macKey);
        using IPacketCipher receiver = PacketCipherFactory.Create(AlgorithmNames.Aes128Ctr, mac, new byte[16], new byte[16], macKey, false);
        uint seq = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian("what"u8);
        byte[] packet = " do ya want for nothing?"u8.ToArray();
        byte[] tag = Hex(expected);
        Assert.True(receiver.TryOpen(seq, packet, tag));

        byte[] other = " do ya want for nothing?"u8.ToArray();
        tag[^1] ^= 1;
        Assert.False(receiver.TryOpen(seq, other, tag));
        Assert.Equal(" do ya want for nothing?"u8.ToArray(), other);
    }

    public static TheoryData<bool> Backends() => new(false, true);

    private static ChaChaPolyEngine CreateEngine(bool native, ReadOnlySpan<byte> lengthKey, ReadOnlySpan<byte> payloadKey)
    {
        if (native)
        {
            RequireNative();
            if (!ChaCha20Poly1305PacketCipher.IsNativeAvailable) return new BouncyCastleChaChaPolyEngine(lengthKey, payloadKey);
            return new LibCryptoChaChaPolyEngine(lengthKey, payloadKey);
        }

        return new BouncyCastleChaChaPolyEngine(lengthKey, payloadKey);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void ChaCha20_Rfc8439Section242_Through64BitNonceLayout(bool native)
    {
        // 96-bit nonce 00000000 0000004a 00000000 with counter 1 = DJB counter 1 (high word 0) and 64-bit nonce 00000000004a0000...;
        // as a big-endian sequence number that nonce is 0x0000004a00000000.
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        using ChaChaPolyEngine engine = CreateEngine(native, key, key);
        byte[] text = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."u8.ToArray();
        engine.StartPayload(0x0000004a00000000UL, new byte[32]);
        engine.CryptPayload(text);
        Assert.Equal(
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8" +
            "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d",
            Convert.ToHexStringLower(text));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void ChaCha20_Rfc8439AppendixA1_Blocks0And1(bool native)
    {
        // A.1 test vectors #1 (counter 0) and #2 (counter 1): all-zero key and nonce.
        using ChaChaPolyEngine engine = CreateEngine(native, new byte[32], new byte[32]);
        byte[] polyKey = new byte[32];
        byte[] block1 = new byte[64];
        engine.StartPayload(0, polyKey);
        engine.CryptPayload(block1);
        Assert.Equal("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7", Convert.ToHexStringLower(polyKey));
        Assert.Equal("9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f",
            Convert.ToHexStringLower(block1));

        // K_1 at block 0 gives the same first 4 bytes.
        byte[] length = new byte[4];
        engine.CryptLength(0, length, length);
        Assert.Equal("76b8e0ad", Convert.ToHexStringLower(length));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void ChaCha20_Rfc8439Section262_PolyKeyGeneration(bool native)
    {
        // Key 80..9f, nonce 00000000 00010203 04050607: counter high word 0, 64-bit nonce 0001020304050607.
        byte[] key = Enumerable.Range(0x80, 32).Select(i => (byte)i).ToArray();
        using ChaChaPolyEngine engine = CreateEngine(native, key, key);
        byte[] polyKey = new byte[32];
        engine.StartPayload(0x0001020304050607UL, polyKey);
        Assert.Equal("8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646", Convert.ToHexStringLower(polyKey));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Poly1305_Rfc8439Section252(bool native)
    {
        using ChaChaPolyEngine engine = CreateEngine(native, new byte[32], new byte[32]);
        byte[] tag = new byte[16];
        engine.ComputeTag(Hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b"), "Cryptographic Forum Research Group"u8, tag);
        Assert.Equal("a8061dc1305136c6c22b8baf0c0127a9", Convert.ToHexStringLower(tag));

        // The context is reused: a second, different MAC on the same engine is also right.
        engine.ComputeTag(Hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b"), "Cryptographic Forum Research Group"u8, tag);
        Assert.Equal("a8061dc1305136c6c22b8baf0c0127a9", Convert.ToHexStringLower(tag));
    }

    [Fact]
    public void AesGcm_InvocationCounterWrapsWithinEightBytesAndIgnoresSequenceNumber()
    {
        // GCM128 vector: IV counter ...fffffffe, then ...ffffffff, then 0000000000000000 (fixed field unchanged).
        // The same packets sealed with arbitrary sequence numbers must give the same bytes.
        PythonVectors.VectorCase c = PythonVectors.All.Single(v => v.Name == "GCM128");
        using IPacketCipher sender = PacketCipherFactory.Create(c.Cipher, null, Hex(c.Key), Hex(c.Iv), [], true);
        uint seq = 12345;
        foreach (PythonVectors.VectorPacket p in c.Packets)
        {
            byte[] packet = Hex(p.Plain);
            byte[] tag = new byte[16];
            sender.Seal(seq, packet, tag);
            seq += 977;
            Assert.Equal(p.Sealed + p.Tag, Convert.ToHexStringLower(packet) + Convert.ToHexStringLower(tag));
        }
    }

    [Fact]
    public void AesGcm_GcmSpecTestCase4_SanityOfPrimitive()
    {
        // McGrew/Viega GCM spec test case 4 straight through AesGcm (confirms tag/AAD argument order used by the cipher).
        byte[] key = Hex("feffe9928665731c6d6a8f9467308308");
        byte[] iv = Hex("cafebabefacedbaddecaf888");
        byte[] plain = Hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        byte[] aad = Hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        byte[] tag = new byte[16];
        using var gcm = new AesGcm(key, 16);
        gcm.Encrypt(iv, plain, plain, tag, aad);
        Assert.Equal("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            Convert.ToHexStringLower(plain));
        Assert.Equal("5bc94fbc3221a5db94fae95ae7121a47", Convert.ToHexStringLower(tag));
    }
}
