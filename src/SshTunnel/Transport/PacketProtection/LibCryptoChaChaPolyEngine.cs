using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SshTunnel.Transport.PacketProtection;

/// <summary>
/// <see cref="ChaChaPolyEngine"/> on the system libcrypto (OpenSSL ≥ 3.0): EVP_chacha20 and EVP_MAC "POLY1305", about
/// 20 times faster than BouncyCastle. One EVP_CIPHER_CTX per key and one EVP_MAC_CTX, created once and reused for every
/// packet (only the IV is reset per packet, so there is no native allocation on the data path).
/// EVP_chacha20's 16-byte IV is the state words 12–15 in little-endian order: a 32-bit block counter and a 96-bit nonce.
/// The DJB layout puts a 64-bit counter in words 12–13 and the 64-bit nonce in words 14–15, so the IV is
/// <c>LE32(counter) || 00 00 00 00 || nonce (8 bytes)</c>, the nonce being the sequence number in big-endian order.
/// A packet never exceeds 2^32 blocks, so the counter's high word stays 0.
/// </summary>
internal sealed unsafe class LibCryptoChaChaPolyEngine : ChaChaPolyEngine
{
    private const int IvSize = 16;

    private readonly EvpCipherContextHandle _lengthContext;
    private readonly EvpCipherContextHandle _payloadContext;
    private readonly EvpMacContextHandle _macContext;

    /// <summary>Creates the engine from K_1 (length key) and K_2 (payload key), 32 bytes each.</summary>
    /// <exception cref="ArgumentException">A key is not 32 bytes.</exception>
    /// <exception cref="InvalidOperationException">libcrypto is not available.</exception>
    /// <exception cref="CryptographicException">libcrypto refused the key.</exception>
    public LibCryptoChaChaPolyEngine(ReadOnlySpan<byte> lengthKey, ReadOnlySpan<byte> payloadKey)
    {
        if (lengthKey.Length != KeySize) throw new ArgumentException("K_1 is 32 bytes.", nameof(lengthKey));
        if (payloadKey.Length != KeySize) throw new ArgumentException("K_2 is 32 bytes.", nameof(payloadKey));
        _lengthContext = EvpCipherContextHandle.Create();
        try
        {
            _payloadContext = EvpCipherContextHandle.Create();
            _macContext = EvpMacContextHandle.CreatePoly1305();
            InitKey(_lengthContext, lengthKey);
            InitKey(_payloadContext, payloadKey);
        }
        catch
        {
            _lengthContext.Dispose();
            _payloadContext?.Dispose();
            _macContext?.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override bool IsNative => true;

    /// <inheritdoc/>
    public override void CryptLength(ulong nonce, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("The destination is too short.", nameof(destination));
        bool added = false;
        try
        {
            _lengthContext.DangerousAddRef(ref added);
            nint context = _lengthContext.DangerousGetHandle();
            SetIv(context, nonce);
            Update(context, source, destination);
        }
        finally
        {
            if (added) _lengthContext.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    public override void StartPayload(ulong nonce, Span<byte> polyKey)
    {
        Span<byte> block0 = stackalloc byte[64];
        block0.Clear();
        bool added = false;
        try
        {
            _payloadContext.DangerousAddRef(ref added);
            nint context = _payloadContext.DangerousGetHandle();
            SetIv(context, nonce);
            Update(context, block0, block0);
        }
        finally
        {
            if (added) _payloadContext.DangerousRelease();
        }

        block0[..PolyKeySize].CopyTo(polyKey);
        CryptographicOperations.ZeroMemory(block0);
    }

    /// <inheritdoc/>
    public override void CryptPayload(Span<byte> data)
    {
        bool added = false;
        try
        {
            _payloadContext.DangerousAddRef(ref added);
            Update(_payloadContext.DangerousGetHandle(), data, data);
        }
        finally
        {
            if (added) _payloadContext.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    public override void ComputeTag(ReadOnlySpan<byte> polyKey, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        if (polyKey.Length < PolyKeySize) throw new ArgumentException("The Poly1305 key is 32 bytes.", nameof(polyKey));
        if (tag.Length < TagSize) throw new ArgumentException("The Poly1305 tag is 16 bytes.", nameof(tag));
        bool added = false;
        try
        {
            _macContext.DangerousAddRef(ref added);
            nint context = _macContext.DangerousGetHandle();
            nuint written = 0;
            fixed (byte* key = polyKey)
            fixed (byte* input = message)
            fixed (byte* output = tag)
            {
                if (LibCrypto.EVP_MAC_init(context, key, PolyKeySize, 0) != 1
                    || LibCrypto.EVP_MAC_update(context, input, (nuint)message.Length) != 1
                    || LibCrypto.EVP_MAC_final(context, output, &written, TagSize) != 1
                    || written != TagSize)
                {
                    throw new CryptographicException("libcrypto Poly1305 failed.");
                }
            }
        }
        finally
        {
            if (added) _macContext.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _lengthContext.Dispose();
        _payloadContext.Dispose();
        _macContext.Dispose();
    }

    private static void InitKey(EvpCipherContextHandle handle, ReadOnlySpan<byte> key)
    {
        Span<byte> iv = stackalloc byte[IvSize];
        iv.Clear();
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            fixed (byte* keyPointer = key)
            fixed (byte* ivPointer = iv)
            {
                if (LibCrypto.EVP_EncryptInit_ex(handle.DangerousGetHandle(), LibCrypto.ChaCha20Cipher, 0, keyPointer, ivPointer) != 1)
                {
                    throw new CryptographicException("libcrypto refused the ChaCha20 key.");
                }
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private static void SetIv(nint context, ulong nonce)
    {
        // Block counter 0 (words 12-13 = 0), then the 64-bit nonce as big-endian bytes (words 14-15).
        byte* iv = stackalloc byte[IvSize];
        new Span<byte>(iv, 8).Clear();
        BinaryPrimitives.WriteUInt64BigEndian(new Span<byte>(iv + 8, 8), nonce);
        if (LibCrypto.EVP_EncryptInit_ex(context, 0, 0, null, iv) != 1)
        {
            throw new CryptographicException("libcrypto refused the ChaCha20 IV.");
        }
    }

    private static void Update(nint context, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.IsEmpty) return;
        int written = 0;
        fixed (byte* input = source)
        fixed (byte* output = destination)
        {
            if (LibCrypto.EVP_EncryptUpdate(context, output, &written, input, source.Length) != 1 || written != source.Length)
            {
                throw new CryptographicException("libcrypto ChaCha20 failed.");
            }
        }
    }
}
