using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SshTunnel.Transport.PacketProtection;

/// <summary>
/// chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305). The 64 bytes of key material split into
/// K_2 = bytes 0–31 (payload and Poly1305 key) and K_1 = bytes 32–63 (packet_length only); the ChaCha20 nonce is the
/// sequence number as a 64-bit big-endian value. The length field is encrypted with K_1 at block 0; the Poly1305 key is
/// the first 32 bytes of K_2's block 0; the body is encrypted with K_2 from block 1; the tag is Poly1305 over the
/// encrypted length || ciphertext and is verified (constant time) before anything is decrypted.
/// Backend: libcrypto when <see cref="IsNativeAvailable"/>, BouncyCastle otherwise. One instance per direction.
/// </summary>
internal sealed class ChaCha20Poly1305PacketCipher : IPacketCipher
{
    /// <summary>Bytes of key material (K_2 || K_1).</summary>
    public const int KeySize = 64;

    private readonly ChaChaPolyEngine _engine;
    private readonly bool _forEncryption;

    /// <summary>Creates the cipher for one direction on the fastest available backend.</summary>
    /// <param name="key">64 bytes: K_2 (bytes 0–31) then K_1 (bytes 32–63).</param>
    /// <param name="forEncryption">True for the sending direction (only <see cref="Seal"/> allowed), false for receiving.</param>
    /// <exception cref="ArgumentException">The key is not 64 bytes.</exception>
    public ChaCha20Poly1305PacketCipher(ReadOnlySpan<byte> key, bool forEncryption)
        : this(key, forEncryption, useNative: IsNativeAvailable)
    {
    }

    /// <summary>Creates the cipher on a chosen backend (tests compare the two).</summary>
    /// <exception cref="ArgumentException">The key is not 64 bytes.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="useNative"/> is true but libcrypto is not available.</exception>
    internal ChaCha20Poly1305PacketCipher(ReadOnlySpan<byte> key, bool forEncryption, bool useNative)
    {
        if (key.Length != KeySize) throw new ArgumentException("chacha20-poly1305@openssh.com needs 64 bytes of key.", nameof(key));
        ReadOnlySpan<byte> payloadKey = key[..32];
        ReadOnlySpan<byte> lengthKey = key[32..];
        _engine = useNative
            ? new LibCryptoChaChaPolyEngine(lengthKey, payloadKey)
            : new BouncyCastleChaChaPolyEngine(lengthKey, payloadKey);
        _forEncryption = forEncryption;
    }

    /// <summary>
    /// True when the system libcrypto (OpenSSL ≥ 3.0 with EVP_chacha20 and EVP_MAC "POLY1305") was loaded and passed a
    /// self-test with the RFC 8439 §2.4.2 and §2.5.2 vectors; false on other platforms or when anything failed. Computed once.
    /// The gateway should offer chacha20-poly1305 only when this is true (the fallback is about 20 times slower).
    /// </summary>
    public static bool IsNativeAvailable => NativeSelfTest.Passed;

    /// <summary>True when this instance runs on libcrypto.</summary>
    internal bool UsesNativeBackend => _engine.IsNative;

    /// <inheritdoc/>
    public int PaddingAlignment => 8;

    /// <inheritdoc/>
    public bool PaddingCoversLength => false;

    /// <inheritdoc/>
    public int TagLength => ChaChaPolyEngine.TagSize;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="firstFourBytes"/> is shorter than 4 bytes.</exception>
    /// <exception cref="InvalidOperationException">The cipher was created for sending.</exception>
    public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstFourBytes)
    {
        PacketCipherGuard.CheckDirection(_forEncryption, wantEncryption: false);
        PacketCipherGuard.CheckLengthField(firstFourBytes);
        Span<byte> length = stackalloc byte[PacketCipherGuard.LengthFieldSize];
        _engine.CryptLength(sequenceNumber, firstFourBytes[..PacketCipherGuard.LengthFieldSize], length);
        return BinaryPrimitives.ReadUInt32BigEndian(length);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The packet is shorter than 4 bytes or the tag is not 16 bytes.</exception>
    /// <exception cref="InvalidOperationException">The cipher was created for sending.</exception>
    /// <exception cref="ObjectDisposedException">The cipher was disposed.</exception>
    public bool TryOpen(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        PacketCipherGuard.CheckDirection(_forEncryption, wantEncryption: false);
        PacketCipherGuard.CheckPacketAndTag(packet, tag.Length, ChaChaPolyEngine.TagSize);
        Span<byte> polyKey = stackalloc byte[ChaChaPolyEngine.PolyKeySize];
        Span<byte> expected = stackalloc byte[ChaChaPolyEngine.TagSize];
        _engine.StartPayload(sequenceNumber, polyKey);
        _engine.ComputeTag(polyKey, packet, expected);
        CryptographicOperations.ZeroMemory(polyKey);
        if (!CryptographicOperations.FixedTimeEquals(expected, tag)) return false;
        _engine.CryptPayload(packet[PacketCipherGuard.LengthFieldSize..]);
        return true;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The packet is shorter than 4 bytes or the tag is not 16 bytes.</exception>
    /// <exception cref="InvalidOperationException">The cipher was created for receiving.</exception>
    /// <exception cref="ObjectDisposedException">The cipher was disposed.</exception>
    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        PacketCipherGuard.CheckDirection(_forEncryption, wantEncryption: true);
        PacketCipherGuard.CheckPacketAndTag(packet, tag.Length, ChaChaPolyEngine.TagSize);
        Span<byte> lengthField = packet[..PacketCipherGuard.LengthFieldSize];
        _engine.CryptLength(sequenceNumber, lengthField, lengthField);
        Span<byte> polyKey = stackalloc byte[ChaChaPolyEngine.PolyKeySize];
        _engine.StartPayload(sequenceNumber, polyKey);
        _engine.CryptPayload(packet[PacketCipherGuard.LengthFieldSize..]);
        _engine.ComputeTag(polyKey, packet, tag);
        CryptographicOperations.ZeroMemory(polyKey);
    }

    /// <summary>Releases the backend's key state (native contexts are freed once no call is using them).</summary>
    public void Dispose() => _engine.Dispose();

    /// <summary>Runs the libcrypto backend once against RFC 8439 vectors.</summary>
    private static class NativeSelfTest
    {
        public static readonly bool Passed = Run();

        private static bool Run()
        {
            if (!LibCrypto.IsLoaded) return false;
            try
            {
                // RFC 8439 §2.4.2: key 00..1f, 96-bit nonce 00000000 0000004a 00000000, counter 1. In the DJB layout the
                // nonce is the last 8 bytes (00 00 00 4a 00 00 00 00) and counter 1 is the block after the Poly1305 key block.
                Span<byte> key = stackalloc byte[32];
                for (int i = 0; i < key.Length; i++) key[i] = (byte)i;
                byte[] text = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."u8.ToArray();
                Span<byte> polyKey = stackalloc byte[32];
                Span<byte> tag = stackalloc byte[16];
                using var engine = new LibCryptoChaChaPolyEngine(key, key);
                engine.StartPayload(0x0000004a00000000UL, polyKey);
                engine.CryptPayload(text);
                byte[] expected = Convert.FromHexString(
                    "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b357" +
                    "1639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736" +
                    "5af90bbf74a35be6b40b8eedf2785e42874d");
                if (!text.AsSpan().SequenceEqual(expected)) return false;

                // RFC 8439 §2.5.2 Poly1305.
                ReadOnlySpan<byte> macKey = [0x85, 0xd6, 0xbe, 0x78, 0x57, 0x55, 0x6d, 0x33, 0x7f, 0x44, 0x52, 0xfe, 0x42, 0xd5, 0x06, 0xa8,
                    0x01, 0x03, 0x80, 0x8a, 0xfb, 0x0d, 0xb2, 0xfd, 0x4a, 0xbf, 0xf6, 0xaf, 0x41, 0x49, 0xf5, 0x1b];
                engine.ComputeTag(macKey, "Cryptographic Forum Research Group"u8, tag);
                return tag.SequenceEqual((ReadOnlySpan<byte>)[0xa8, 0x06, 0x1d, 0xc1, 0x30, 0x51, 0x36, 0xc6, 0xc2, 0x2b, 0x8b, 0xaf, 0x0c, 0x01, 0x27, 0xa9]);
            }
#pragma warning disable CA1031 // any failure of the native path (missing symbol, bad result, crash-free error) means "not available"
            catch (Exception)
#pragma warning restore CA1031
            {
                return false;
            }
        }
    }
}
