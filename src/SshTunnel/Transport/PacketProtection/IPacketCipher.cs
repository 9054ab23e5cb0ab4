namespace SshTunnel.Transport.PacketProtection;

/// <summary>
/// Protection of binary packets in one direction (RFC 4253 §6): a cipher together with its MAC, or an AEAD.
/// Packet layout handed to <see cref="Seal"/> and <see cref="TryOpen"/>: <c>[uint32 packet_length][padding_length][payload][padding]</c>,
/// i.e. 4 + packet_length bytes; the tag (<see cref="TagLength"/> bytes) is separate.
/// Supported constructions: none; aes128/256-gcm@openssh.com (length is AAD, in clear); chacha20-poly1305@openssh.com
/// (length encrypted with K_1); aes128/192/256-ctr + hmac-sha2-256/512-etm@openssh.com (length in clear, MAC over
/// sequence number || length || ciphertext). Implementations are not thread-safe; one per direction.
/// </summary>
internal interface IPacketCipher : IDisposable
{
    /// <summary>padding_length||payload||padding (plus the length field when <see cref="PaddingCoversLength"/>) must be a multiple of this: 8 or 16 bytes.</summary>
    int PaddingAlignment { get; }

    /// <summary>True only for "none": the 4-byte length counts toward the alignment (RFC 4253 §6). False for AEAD and EtM modes.</summary>
    bool PaddingCoversLength { get; }

    /// <summary>Bytes of MAC or AEAD tag after each packet (0 for none, 16 for GCM/chacha, 32/64 for HMAC-SHA2-256/512).</summary>
    int TagLength { get; }

    /// <summary>
    /// Returns packet_length from the first 4 bytes as received (decrypting them for chacha20-poly1305).
    /// Does not change <paramref name="firstFourBytes"/>. The caller checks the bounds.
    /// </summary>
    uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstFourBytes);

    /// <summary>
    /// Verifies the tag and, if valid, decrypts <paramref name="packet"/> in place (the 4-byte length field is left as received;
    /// the body from byte 4 on becomes plaintext). Returns false, without decrypting, when the tag does not match
    /// (compared in constant time).
    /// </summary>
    bool TryOpen(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag);

    /// <summary>
    /// Encrypts <paramref name="packet"/> in place (including the length field for chacha20-poly1305) and writes the tag
    /// into <paramref name="tag"/> (exactly <see cref="TagLength"/> bytes).
    /// </summary>
    void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag);
}
