using System.Buffers.Binary;
using SshTunnel.Transport;
using SshTunnel.Transport.PacketProtection;
using SshTunnel.Wire;

namespace SshTunnel.Tests.PacketProtection;

/// <summary>Creates matching sender/receiver pairs of every construction, and random well-formed packets.</summary>
internal static class CipherTestKit
{
    public const string None = "none";
    public const string ChaChaNative = "chacha-native";
    public const string ChaChaBouncyCastle = "chacha-bc";

    public static readonly string[] AllKinds =
    [
        None, "aes128-gcm", "aes256-gcm", ChaChaNative, ChaChaBouncyCastle,
        "aes128-ctr+sha256", "aes192-ctr+sha512", "aes256-ctr+sha256", "aes256-ctr+sha512",
    ];

    public static TheoryData<string> Kinds() => new(AllKinds);

    public static TheoryData<string> KindsWithTag() => new(AllKinds.Where(k => k != None));

    /// <summary>Kinds whose tag depends on the sequence number (all but GCM, which uses its own counter, and none).</summary>
    public static TheoryData<string> SequenceBoundKinds() => new(AllKinds.Where(k => k != None && !k.Contains("gcm", StringComparison.Ordinal)));

    public static (IPacketCipher Sender, IPacketCipher Receiver) CreatePair(string kind, int seed = 1)
    {
        var random = new Random(seed);
        byte[] RandomBytes(int n)
        {
            byte[] b = new byte[n];
            random.NextBytes(b);
            return b;
        }

        switch (kind)
        {
            case ChaChaNative:
            case ChaChaBouncyCastle:
            {
                byte[] key = RandomBytes(64);
                bool native = kind == ChaChaNative;
                return (new ChaCha20Poly1305PacketCipher(key, true, native), new ChaCha20Poly1305PacketCipher(key, false, native));
            }

            default:
            {
                (string cipher, string? mac) = Names(kind);
                byte[] key = RandomBytes(PacketCipherFactory.GetKeyLength(cipher));
                byte[] iv = RandomBytes(PacketCipherFactory.GetIvLength(cipher));
                byte[] macKey = RandomBytes(PacketCipherFactory.GetMacKeyLength(mac));
                return (PacketCipherFactory.Create(cipher, mac, key, iv, macKey, true), PacketCipherFactory.Create(cipher, mac, key, iv, macKey, false));
            }
        }
    }

    public static (string Cipher, string? Mac) Names(string kind) => kind switch
    {
        None => (AlgorithmNames.None, null),
        "aes128-gcm" => (AlgorithmNames.Aes128Gcm, null),
        "aes256-gcm" => (AlgorithmNames.Aes256Gcm, null),
        ChaChaNative or ChaChaBouncyCastle => (AlgorithmNames.ChaCha20Poly1305, null),
        "aes128-ctr+sha256" => (AlgorithmNames.Aes128Ctr, AlgorithmNames.HmacSha2256Etm),
        "aes192-ctr+sha512" => (AlgorithmNames.Aes192Ctr, AlgorithmNames.HmacSha2512Etm),
        "aes256-ctr+sha256" => (AlgorithmNames.Aes256Ctr, AlgorithmNames.HmacSha2256Etm),
        "aes256-ctr+sha512" => (AlgorithmNames.Aes256Ctr, AlgorithmNames.HmacSha2512Etm),
        _ => throw new ArgumentException(kind, nameof(kind)),
    };

    /// <summary>A framed plaintext packet [length][padding_length][payload][padding] respecting the cipher's alignment.</summary>
    public static byte[] MakePacket(IPacketCipher cipher, int payloadLength, Random random)
    {
        int align = cipher.PaddingAlignment;
        int unpadded = 1 + payloadLength + (cipher.PaddingCoversLength ? 4 : 0);
        int padding = align - (unpadded % align);
        if (padding < 4) padding += align;
        int packetLength = 1 + payloadLength + padding;
        byte[] packet = new byte[4 + packetLength];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)packetLength);
        packet[4] = (byte)padding;
        random.NextBytes(packet.AsSpan(5));
        return packet;
    }

    public static void RequireNative()
    {
        // libcrypto is always present where .NET runs on Linux; elsewhere the native backend cannot be tested.
        Assert.True(!OperatingSystem.IsLinux() || ChaCha20Poly1305PacketCipher.IsNativeAvailable, "libcrypto backend should load on Linux");
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);
}
