using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SshTunnel.Transport.PacketProtection;

/// <summary>
/// aes128-gcm@openssh.com and aes256-gcm@openssh.com (RFC 5647 as OpenSSH implements it, PROTOCOL §1.6):
/// the 4-byte packet_length is additional authenticated data and stays in the clear, the rest of the packet is
/// encrypted in place, and a 16-byte tag follows. The 12-byte nonce is the 4-byte fixed field of the derived IV
/// followed by a 64-bit big-endian invocation counter that starts at the IV's value and grows by one per packet
/// (independent of the sequence number, wrapping within its 8 bytes). One instance per direction.
/// </summary>
internal sealed class AesGcmPacketCipher : IPacketCipher
{
    /// <summary>Bytes of the GCM tag.</summary>
    public const int TagSize = 16;

    /// <summary>Bytes of the derived IV (fixed field + invocation counter).</summary>
    public const int IvSize = 12;

    private readonly AesGcm _aesGcm;
    private readonly uint _fixedField;
    private readonly bool _forEncryption;
    private ulong _invocationCounter;

    /// <summary>Creates the cipher for one direction.</summary>
    /// <param name="key">16 bytes (aes128-gcm) or 32 bytes (aes256-gcm).</param>
    /// <param name="iv">The 12-byte IV from key derivation (RFC 4253 §7.2).</param>
    /// <param name="forEncryption">True for the sending direction (only <see cref="Seal"/> allowed), false for receiving.</param>
    /// <exception cref="ArgumentException">The key or IV has the wrong length.</exception>
    public AesGcmPacketCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, bool forEncryption)
    {
        if (key.Length is not (16 or 32)) throw new ArgumentException("AES-GCM keys are 16 or 32 bytes.", nameof(key));
        if (iv.Length != IvSize) throw new ArgumentException("The AES-GCM IV is 12 bytes.", nameof(iv));
        _aesGcm = new AesGcm(key, TagSize);
        _fixedField = BinaryPrimitives.ReadUInt32BigEndian(iv);
        _invocationCounter = BinaryPrimitives.ReadUInt64BigEndian(iv[4..]);
        _forEncryption = forEncryption;
    }

    /// <inheritdoc/>
    public int PaddingAlignment => 16;

    /// <inheritdoc/>
    public bool PaddingCoversLength => false;

    /// <inheritdoc/>
    public int TagLength => TagSize;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="firstFourBytes"/> is shorter than 4 bytes.</exception>
    public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstFourBytes)
    {
        PacketCipherGuard.CheckLengthField(firstFourBytes);
        return BinaryPrimitives.ReadUInt32BigEndian(firstFourBytes);
    }

    /// <inheritdoc/>
    /// <remarks>On a tag mismatch the body may be overwritten with zeros (the BCL clears its output); it is never left as plaintext.
    /// The invocation counter advances only when the packet opens.</remarks>
    /// <exception cref="ArgumentException">The packet is shorter than 4 bytes or the tag is not 16 bytes.</exception>
    /// <exception cref="InvalidOperationException">The cipher was created for sending.</exception>
    public bool TryOpen(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        PacketCipherGuard.CheckDirection(_forEncryption, wantEncryption: false);
        PacketCipherGuard.CheckPacketAndTag(packet, tag.Length, TagSize);
        Span<byte> nonce = stackalloc byte[IvSize];
        WriteNonce(nonce);
        Span<byte> body = packet[PacketCipherGuard.LengthFieldSize..];
        try
        {
            _aesGcm.Decrypt(nonce, body, tag, body, packet[..PacketCipherGuard.LengthFieldSize]);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        _invocationCounter++;
        return true;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The packet is shorter than 4 bytes or the tag is not 16 bytes.</exception>
    /// <exception cref="InvalidOperationException">The cipher was created for receiving.</exception>
    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        PacketCipherGuard.CheckDirection(_forEncryption, wantEncryption: true);
        PacketCipherGuard.CheckPacketAndTag(packet, tag.Length, TagSize);
        Span<byte> nonce = stackalloc byte[IvSize];
        WriteNonce(nonce);
        Span<byte> body = packet[PacketCipherGuard.LengthFieldSize..];
        _aesGcm.Encrypt(nonce, body, body, tag, packet[..PacketCipherGuard.LengthFieldSize]);
        _invocationCounter++;
    }

    /// <summary>Releases the AES key schedule.</summary>
    public void Dispose() => _aesGcm.Dispose();

    private void WriteNonce(Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, _fixedField);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], _invocationCounter);
    }
}
