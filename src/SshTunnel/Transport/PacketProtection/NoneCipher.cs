using System.Buffers.Binary;

namespace SshTunnel.Transport.PacketProtection;

/// <summary>
/// The "none" cipher and MAC in force before the first NEWKEYS (RFC 4253 §6): packets travel in the clear, the
/// 4-byte length counts toward the 8-byte padding alignment, and there is no tag. Stateless, so one instance may serve both directions.
/// </summary>
internal sealed class NoneCipher : IPacketCipher
{
    /// <summary>A shared instance (the cipher holds no state).</summary>
    public static readonly NoneCipher Instance = new();

    /// <inheritdoc/>
    public int PaddingAlignment => 8;

    /// <inheritdoc/>
    public bool PaddingCoversLength => true;

    /// <inheritdoc/>
    public int TagLength => 0;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="firstFourBytes"/> is shorter than 4 bytes.</exception>
    public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstFourBytes)
    {
        PacketCipherGuard.CheckLengthField(firstFourBytes);
        return BinaryPrimitives.ReadUInt32BigEndian(firstFourBytes);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="packet"/> is shorter than 4 bytes or <paramref name="tag"/> is not empty.</exception>
    public bool TryOpen(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        PacketCipherGuard.CheckPacketAndTag(packet, tag.Length, 0);
        return true;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="packet"/> is shorter than 4 bytes or <paramref name="tag"/> is not empty.</exception>
    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
        => PacketCipherGuard.CheckPacketAndTag(packet, tag.Length, 0);

    /// <summary>Nothing to release.</summary>
    public void Dispose() { }
}
