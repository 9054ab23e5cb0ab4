using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace SshTunnel.Transport.PacketProtection;

/// <summary>
/// Portable <see cref="ChaChaPolyEngine"/> on BouncyCastle's <see cref="ChaChaEngine"/> (DJB layout, 8-byte nonce) and
/// <see cref="Poly1305"/>. Correct but slow (about 175 MB/s); used only where libcrypto cannot be loaded. BouncyCastle works on
/// arrays, so data goes through a reused scratch buffer; each packet still allocates a few small parameter objects.
/// </summary>
internal sealed class BouncyCastleChaChaPolyEngine : ChaChaPolyEngine
{
    private const int ChunkSize = 4096;
    private const int NonceSize = 8;

    private readonly ChaChaEngine _lengthCipher = new();
    private readonly ChaChaEngine _payloadCipher = new();
    private readonly Poly1305 _poly1305 = new();
    private readonly byte[] _scratch = new byte[ChunkSize];
    private readonly byte[] _nonce = new byte[NonceSize];
    private bool _disposed;

    /// <summary>Creates the engine from K_1 (length key) and K_2 (payload key), 32 bytes each.</summary>
    /// <exception cref="ArgumentException">A key is not 32 bytes.</exception>
    public BouncyCastleChaChaPolyEngine(ReadOnlySpan<byte> lengthKey, ReadOnlySpan<byte> payloadKey)
    {
        if (lengthKey.Length != KeySize) throw new ArgumentException("K_1 is 32 bytes.", nameof(lengthKey));
        if (payloadKey.Length != KeySize) throw new ArgumentException("K_2 is 32 bytes.", nameof(payloadKey));
        InitWithKey(_lengthCipher, lengthKey);
        InitWithKey(_payloadCipher, payloadKey);
    }

    /// <inheritdoc/>
    public override bool IsNative => false;

    /// <inheritdoc/>
    public override void CryptLength(ulong nonce, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Rekey(_lengthCipher, nonce);
        Process(_lengthCipher, source, destination);
    }

    /// <inheritdoc/>
    public override void StartPayload(ulong nonce, Span<byte> polyKey)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Rekey(_payloadCipher, nonce);
        Span<byte> block0 = stackalloc byte[64];
        block0.Clear();
        Process(_payloadCipher, block0, block0);
        block0[..PolyKeySize].CopyTo(polyKey);
        CryptographicOperations.ZeroMemory(block0);
    }

    /// <inheritdoc/>
    public override void CryptPayload(Span<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Process(_payloadCipher, data, data);
    }

    /// <inheritdoc/>
    public override void ComputeTag(ReadOnlySpan<byte> polyKey, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        byte[] key = polyKey[..PolyKeySize].ToArray();
        try
        {
            _poly1305.Init(new KeyParameter(key));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        while (!message.IsEmpty)
        {
            int count = Math.Min(message.Length, ChunkSize);
            message[..count].CopyTo(_scratch);
            _poly1305.BlockUpdate(_scratch, 0, count);
            message = message[count..];
        }

        _poly1305.DoFinal(_scratch, 0);
        _scratch.AsSpan(0, TagSize).CopyTo(tag);
        CryptographicOperations.ZeroMemory(_scratch);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_disposed || !disposing) return;
        _disposed = true;

        // Overwrite the engines' key state, which BouncyCastle gives no other way to clear.
        Span<byte> zeroKey = stackalloc byte[KeySize];
        zeroKey.Clear();
        InitWithKey(_lengthCipher, zeroKey);
        InitWithKey(_payloadCipher, zeroKey);
        CryptographicOperations.ZeroMemory(_scratch);
    }

    private void InitWithKey(ChaChaEngine engine, ReadOnlySpan<byte> key)
    {
        byte[] keyCopy = key.ToArray();
        try
        {
            engine.Init(true, new ParametersWithIV(new KeyParameter(keyCopy), _nonce));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyCopy);
        }
    }

    private void Rekey(ChaChaEngine engine, ulong nonce)
    {
        // A null key parameter keeps the engine's key and only resets nonce and counter (Salsa20Engine.Init).
        BinaryPrimitives.WriteUInt64BigEndian(_nonce, nonce);
        engine.Init(true, new ParametersWithIV(null, _nonce));
    }

    private void Process(ChaChaEngine engine, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        while (!source.IsEmpty)
        {
            int count = Math.Min(source.Length, ChunkSize);
            source[..count].CopyTo(_scratch);
            engine.ProcessBytes(_scratch, 0, count, _scratch, 0);
            _scratch.AsSpan(0, count).CopyTo(destination);
            source = source[count..];
            destination = destination[count..];
        }

        CryptographicOperations.ZeroMemory(_scratch);
    }
}
