using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace SshTunnel.Transport.PacketProtection;

/// <summary>
/// aes128-ctr / aes192-ctr / aes256-ctr (RFC 4344 §4) with hmac-sha2-256-etm@openssh.com or hmac-sha2-512-etm@openssh.com
/// (OpenSSH PROTOCOL §1.5, encrypt-then-MAC): packet_length stays in the clear, the rest is encrypted in place, and the tag is
/// HMAC(mac key, uint32 sequence_number || packet_length || ciphertext). With <c>encryptThenMac: false</c> it is the RFC 4253
/// §6.4 / RFC 6668 construction of hmac-sha2-256 and hmac-sha2-512 (encrypt-and-MAC), which peers such as Dropbear offer
/// without the EtM names: the whole packet, length included, is encrypted and the tag is HMAC(mac key, uint32
/// sequence_number || plaintext packet). CTR is AES-ECB over a batch of 128-bit big-endian
/// counter blocks (with carry) XORed into the data; the counter stream runs on across packets. The ECB step uses one reused
/// <see cref="ICryptoTransform"/> (the one-shot <c>Aes.EncryptEcb</c> allocates about 60 bytes per call). One instance per direction.
/// </summary>
internal sealed class AesCtrEtmPacketCipher : IPacketCipher
{
    /// <summary>Bytes of the CTR IV (the initial counter block).</summary>
    public const int IvSize = 16;

    private const int BlockSize = 16;
    private const int BatchBlocks = 256;

    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly IncrementalHash _hmac;
    private readonly byte[] _counterBlocks = new byte[BatchBlocks * BlockSize];
    private readonly byte[] _keystream = new byte[BatchBlocks * BlockSize];
    private readonly bool _forEncryption;
    private readonly bool _encryptThenMac;
    private int _keystreamOffset = BatchBlocks * BlockSize;
    private ulong _counterHigh;
    private ulong _counterLow;
    private bool _disposed;

    /// <summary>Creates the cipher for one direction.</summary>
    /// <param name="key">AES key: 16, 24 or 32 bytes.</param>
    /// <param name="iv">The 16-byte initial counter block from key derivation (RFC 4253 §7.2).</param>
    /// <param name="macAlgorithm"><see cref="HashAlgorithmName.SHA256"/> or <see cref="HashAlgorithmName.SHA512"/>.</param>
    /// <param name="macKey">HMAC key: 32 bytes for SHA-256, 64 for SHA-512.</param>
    /// <param name="forEncryption">True for the sending direction (only <see cref="Seal"/> allowed), false for receiving.</param>
    /// <param name="encryptThenMac">True for the -etm@openssh.com MACs; false for hmac-sha2-256/512 (RFC 6668: the length
    /// is encrypted too and the MAC covers the plaintext).</param>
    /// <exception cref="ArgumentException">A key, the IV or the MAC algorithm is not valid.</exception>
    public AesCtrEtmPacketCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, HashAlgorithmName macAlgorithm, ReadOnlySpan<byte> macKey, bool forEncryption,
        bool encryptThenMac = true)
    {
        if (key.Length is not (16 or 24 or 32)) throw new ArgumentException("AES keys are 16, 24 or 32 bytes.", nameof(key));
        if (iv.Length != IvSize) throw new ArgumentException("The AES-CTR IV is 16 bytes.", nameof(iv));
        int macLength;
        if (macAlgorithm == HashAlgorithmName.SHA256) macLength = 32;
        else if (macAlgorithm == HashAlgorithmName.SHA512) macLength = 64;
        else throw new ArgumentException("Only HMAC-SHA-256 and HMAC-SHA-512 are supported.", nameof(macAlgorithm));
        if (macKey.Length != macLength) throw new ArgumentException($"The HMAC key must be {macLength} bytes.", nameof(macKey));

        _aes = Aes.Create();
        _aes.SetKey(key);
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
        _hmac = IncrementalHash.CreateHMAC(macAlgorithm, macKey);
        _counterHigh = BinaryPrimitives.ReadUInt64BigEndian(iv);
        _counterLow = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
        TagLength = macLength;
        _forEncryption = forEncryption;
        _encryptThenMac = encryptThenMac;
    }

    /// <inheritdoc/>
    public int PaddingAlignment => 16;

    /// <inheritdoc/>
    public bool PaddingCoversLength => !_encryptThenMac;

    /// <inheritdoc/>
    public int TagLength { get; }

    /// <inheritdoc/>
    /// <remarks>Without EtM the length is decrypted with the next 4 bytes of keystream, which are not consumed: every packet
    /// is a whole number of 16-byte blocks (the caller checks that), so a packet starts on a block boundary of the
    /// keystream batch and the 4 bytes are always there in one piece.</remarks>
    /// <exception cref="ArgumentException"><paramref name="firstFourBytes"/> is shorter than 4 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The cipher was disposed.</exception>
    public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstFourBytes)
    {
        PacketCipherGuard.CheckLengthField(firstFourBytes);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(firstFourBytes);
        if (_encryptThenMac) return length;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_keystreamOffset == _keystream.Length) RefillKeystream();
        return length ^ BinaryPrimitives.ReadUInt32BigEndian(_keystream.AsSpan(_keystreamOffset, PacketCipherGuard.LengthFieldSize));
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The packet is shorter than 4 bytes or the tag has the wrong size.</exception>
    /// <exception cref="InvalidOperationException">The cipher was created for sending.</exception>
    /// <exception cref="ObjectDisposedException">The cipher was disposed.</exception>
    public bool TryOpen(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        PacketCipherGuard.CheckDirection(_forEncryption, wantEncryption: false);
        PacketCipherGuard.CheckPacketAndTag(packet, tag.Length, TagLength);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> computed = stackalloc byte[64];
        computed = computed[..TagLength];
        if (_encryptThenMac)
        {
            ComputeMac(sequenceNumber, packet, [], computed);
        }
        else
        {
            // Encrypt-and-MAC: the MAC is over the plaintext, so decrypt first (on a mismatch the connection ends anyway).
            Span<byte> length = stackalloc byte[PacketCipherGuard.LengthFieldSize];
            packet[..PacketCipherGuard.LengthFieldSize].CopyTo(length);
            Transform(length);
            Transform(packet[PacketCipherGuard.LengthFieldSize..]);
            ComputeMac(sequenceNumber, length, packet[PacketCipherGuard.LengthFieldSize..], computed);
        }
        bool valid = CryptographicOperations.FixedTimeEquals(computed, tag);
        CryptographicOperations.ZeroMemory(computed);
        if (!valid) return false;
        if (_encryptThenMac) Transform(packet[PacketCipherGuard.LengthFieldSize..]);
        return true;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The packet is shorter than 4 bytes or the tag has the wrong size.</exception>
    /// <exception cref="InvalidOperationException">The cipher was created for receiving.</exception>
    /// <exception cref="ObjectDisposedException">The cipher was disposed.</exception>
    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        PacketCipherGuard.CheckDirection(_forEncryption, wantEncryption: true);
        PacketCipherGuard.CheckPacketAndTag(packet, tag.Length, TagLength);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_encryptThenMac)
        {
            ComputeMac(sequenceNumber, packet, [], tag);
            Transform(packet);
            return;
        }
        Transform(packet[PacketCipherGuard.LengthFieldSize..]);
        ComputeMac(sequenceNumber, packet, [], tag);
    }

    /// <summary>Releases the key schedule and HMAC state and wipes buffered keystream.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(_keystream);
        _ecb.Dispose();
        _aes.Dispose();
        _hmac.Dispose();
    }

    /// <summary>HMAC(sequence_number || first || second) into <paramref name="destination"/>.</summary>
    private void ComputeMac(uint sequenceNumber, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        Span<byte> sequence = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(sequence, sequenceNumber);
        _hmac.AppendData(sequence);
        _hmac.AppendData(first);
        _hmac.AppendData(second);
        if (!_hmac.TryGetHashAndReset(destination, out int written) || written != destination.Length)
        {
            throw new CryptographicException("HMAC output has an unexpected size.");
        }
    }

    private void Transform(Span<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_keystreamOffset == _keystream.Length) RefillKeystream();
            int count = Math.Min(data.Length, _keystream.Length - _keystreamOffset);
            XorInPlace(data[..count], _keystream.AsSpan(_keystreamOffset, count));
            _keystreamOffset += count;
            data = data[count..];
        }
    }

    private void RefillKeystream()
    {
        Span<byte> blocks = _counterBlocks;
        for (int offset = 0; offset < blocks.Length; offset += BlockSize)
        {
            BinaryPrimitives.WriteUInt64BigEndian(blocks[offset..], _counterHigh);
            BinaryPrimitives.WriteUInt64BigEndian(blocks[(offset + 8)..], _counterLow);
            _counterLow++;
            if (_counterLow == 0) _counterHigh++;
        }

        int written = _ecb.TransformBlock(_counterBlocks, 0, _counterBlocks.Length, _keystream, 0);
        if (written != _keystream.Length) throw new CryptographicException("AES-ECB produced an unexpected amount of keystream.");
        _keystreamOffset = 0;
    }

    private static void XorInPlace(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<byte>.Count;
            for (; i <= data.Length - width; i += width)
            {
                (new Vector<byte>(data[i..]) ^ new Vector<byte>(keystream[i..])).CopyTo(data[i..]);
            }
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= keystream[i];
        }
    }
}
