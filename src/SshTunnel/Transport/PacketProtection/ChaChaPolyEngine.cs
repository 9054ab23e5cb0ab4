namespace SshTunnel.Transport.PacketProtection;

/// <summary>
/// The primitives behind <see cref="ChaCha20Poly1305PacketCipher"/>: ChaCha20 in the original DJB layout (64-bit block counter,
/// 64-bit nonce) keyed with K_1 (length) and K_2 (payload), and one-time Poly1305. Backends: the system libcrypto
/// (<see cref="LibCryptoChaChaPolyEngine"/>) and BouncyCastle (<see cref="BouncyCastleChaChaPolyEngine"/>); both must give
/// byte-identical output. Not thread-safe.
/// </summary>
internal abstract class ChaChaPolyEngine : IDisposable
{
    /// <summary>Bytes of each ChaCha20 key (K_1 and K_2).</summary>
    public const int KeySize = 32;

    /// <summary>Bytes of the Poly1305 one-time key.</summary>
    public const int PolyKeySize = 32;

    /// <summary>Bytes of the Poly1305 tag.</summary>
    public const int TagSize = 16;

    /// <summary>True for the libcrypto backend.</summary>
    public abstract bool IsNative { get; }

    /// <summary>
    /// XORs <paramref name="source"/> with the K_1 keystream for nonce <paramref name="nonce"/> (written as 8 big-endian bytes),
    /// block counter 0, into <paramref name="destination"/> (same length; may be the same memory).
    /// </summary>
    public abstract void CryptLength(ulong nonce, ReadOnlySpan<byte> source, Span<byte> destination);

    /// <summary>
    /// Starts a packet on K_2 with nonce <paramref name="nonce"/> (8 big-endian bytes): writes the first 32 bytes of keystream block 0
    /// into <paramref name="polyKey"/> and leaves the K_2 stream at block 1 for <see cref="CryptPayload"/>.
    /// </summary>
    public abstract void StartPayload(ulong nonce, Span<byte> polyKey);

    /// <summary>XORs <paramref name="data"/> in place with the K_2 keystream, continuing where the last call stopped.</summary>
    public abstract void CryptPayload(Span<byte> data);

    /// <summary>Computes the Poly1305 tag of <paramref name="message"/> under the one-time <paramref name="polyKey"/> into <paramref name="tag"/> (16 bytes).</summary>
    public abstract void ComputeTag(ReadOnlySpan<byte> polyKey, ReadOnlySpan<byte> message, Span<byte> tag);

    /// <summary>Releases the key state.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the key state.</summary>
    protected abstract void Dispose(bool disposing);
}
