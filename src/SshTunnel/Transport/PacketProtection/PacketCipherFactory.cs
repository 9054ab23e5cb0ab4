using System.Security.Cryptography;
using SshTunnel.Wire;

namespace SshTunnel.Transport.PacketProtection;

/// <summary>
/// Creates <see cref="IPacketCipher"/> instances from negotiated algorithm names (RFC 4253 §6.3, §6.4, §7.2) and gives the key,
/// IV and MAC-key sizes key derivation must produce. "none" is accepted by the sizing methods and <see cref="Create"/> but is
/// not in <see cref="SupportedCiphers"/>, since it is never negotiated.
/// </summary>
internal static class PacketCipherFactory
{

    /// <summary>Ciphers we implement, in our preference order (AES-GCM first: fastest on AES-NI hardware).</summary>
    public static IReadOnlyList<string> SupportedCiphers { get; } =
    [
        AlgorithmNames.Aes128Gcm,
        AlgorithmNames.Aes256Gcm,
        AlgorithmNames.ChaCha20Poly1305,
        AlgorithmNames.Aes128Ctr,
        AlgorithmNames.Aes192Ctr,
        AlgorithmNames.Aes256Ctr,
    ];

    /// <summary>MACs we implement (used only with the CTR ciphers), in preference order: the EtM ones first, then
    /// RFC 6668's, as OpenSSH orders them (Dropbear, among others, offers only the latter with AES-CTR).</summary>
    public static IReadOnlyList<string> SupportedMacs { get; } =
    [
        AlgorithmNames.HmacSha2256Etm,
        AlgorithmNames.HmacSha2512Etm,
        AlgorithmNames.HmacSha2256,
        AlgorithmNames.HmacSha2512,
    ];

    /// <summary>True for ciphers that carry their own tag (the negotiated MAC is then ignored, RFC 5647 §5.1).</summary>
    /// <exception cref="ArgumentException"><paramref name="cipher"/> is unknown.</exception>
    public static bool IsAead(string cipher) => Describe(cipher).Aead;

    /// <summary>Bytes of encryption key the cipher needs (chacha20-poly1305@openssh.com: 64; none: 0).</summary>
    /// <exception cref="ArgumentException"><paramref name="cipher"/> is unknown.</exception>
    public static int GetKeyLength(string cipher) => Describe(cipher).KeyLength;

    /// <summary>Bytes of IV the cipher needs (GCM 12, CTR 16, chacha20-poly1305 and none 0).</summary>
    /// <exception cref="ArgumentException"><paramref name="cipher"/> is unknown.</exception>
    public static int GetIvLength(string cipher) => Describe(cipher).IvLength;

    /// <summary>Bytes of MAC key for <paramref name="mac"/> (32 or 64), or 0 when <paramref name="mac"/> is null (AEAD ciphers).</summary>
    /// <exception cref="ArgumentException"><paramref name="mac"/> is unknown.</exception>
    public static int GetMacKeyLength(string? mac) => mac switch
    {
        null => 0,
        AlgorithmNames.HmacSha2256Etm or AlgorithmNames.HmacSha2256 => 32,
        AlgorithmNames.HmacSha2512Etm or AlgorithmNames.HmacSha2512 => 64,
        _ => throw new ArgumentException($"Unsupported MAC '{mac}'.", nameof(mac)),
    };

    /// <summary>Creates the packet protection for one direction.</summary>
    /// <param name="cipher">A name from <see cref="SupportedCiphers"/>, or "none".</param>
    /// <param name="mac">A name from <see cref="SupportedMacs"/>; required for the CTR ciphers, ignored for AEAD ciphers and "none".</param>
    /// <param name="key">Exactly <see cref="GetKeyLength"/> bytes.</param>
    /// <param name="iv">Exactly <see cref="GetIvLength"/> bytes.</param>
    /// <param name="macKey">Exactly <see cref="GetMacKeyLength"/> bytes for CTR ciphers; ignored otherwise.</param>
    /// <param name="forEncryption">True for the sending direction, false for receiving.</param>
    /// <exception cref="ArgumentException">An algorithm name is unknown, a CTR cipher has no MAC, or a key or IV has the wrong length.</exception>
    public static IPacketCipher Create(string cipher, string? mac, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> macKey, bool forEncryption)
    {
        CipherDescription description = Describe(cipher);
        if (key.Length != description.KeyLength) throw new ArgumentException($"{cipher} needs a {description.KeyLength}-byte key.", nameof(key));
        if (iv.Length != description.IvLength) throw new ArgumentException($"{cipher} needs a {description.IvLength}-byte IV.", nameof(iv));
        switch (cipher)
        {
            case AlgorithmNames.None:
                return NoneCipher.Instance;
            case AlgorithmNames.Aes128Gcm:
            case AlgorithmNames.Aes256Gcm:
                return new AesGcmPacketCipher(key, iv, forEncryption);
            case AlgorithmNames.ChaCha20Poly1305:
                return new ChaCha20Poly1305PacketCipher(key, forEncryption);
            default:
                if (mac is null) throw new ArgumentException($"{cipher} needs a MAC.", nameof(mac));
                int macKeyLength = GetMacKeyLength(mac);
                if (macKey.Length != macKeyLength) throw new ArgumentException($"{mac} needs a {macKeyLength}-byte key.", nameof(macKey));
                HashAlgorithmName hash = mac is AlgorithmNames.HmacSha2256Etm or AlgorithmNames.HmacSha2256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512;
                bool encryptThenMac = mac is AlgorithmNames.HmacSha2256Etm or AlgorithmNames.HmacSha2512Etm;
                return new AesCtrEtmPacketCipher(key, iv, hash, macKey, forEncryption, encryptThenMac);
        }
    }

    private static CipherDescription Describe(string cipher) => cipher switch
    {
        AlgorithmNames.Aes128Gcm => new(16, AesGcmPacketCipher.IvSize, true),
        AlgorithmNames.Aes256Gcm => new(32, AesGcmPacketCipher.IvSize, true),
        AlgorithmNames.ChaCha20Poly1305 => new(ChaCha20Poly1305PacketCipher.KeySize, 0, true),
        AlgorithmNames.Aes128Ctr => new(16, AesCtrEtmPacketCipher.IvSize, false),
        AlgorithmNames.Aes192Ctr => new(24, AesCtrEtmPacketCipher.IvSize, false),
        AlgorithmNames.Aes256Ctr => new(32, AesCtrEtmPacketCipher.IvSize, false),
        AlgorithmNames.None => new(0, 0, false),
        _ => throw new ArgumentException($"Unsupported cipher '{cipher}'.", nameof(cipher)),
    };

    private readonly record struct CipherDescription(int KeyLength, int IvLength, bool Aead);
}
