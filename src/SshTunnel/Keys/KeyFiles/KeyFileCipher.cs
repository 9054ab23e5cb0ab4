using System.Security.Cryptography;

namespace SshTunnel.Keys.KeyFiles;

/// <summary>
/// A cipher that openssh-key-v1 files may be encrypted with (OpenSSH cipher.c names and sizes), decrypting the
/// whole private section at once with the BCL: AES-CTR (ECB over counter blocks), AES-CBC and AES-GCM.
/// </summary>
internal sealed class KeyFileCipher
{
    private enum CipherMode
    {
        None,
        Ctr,
        Cbc,
        Gcm,
        ChaCha20Poly1305,
    }

    private readonly CipherMode _mode;

    private KeyFileCipher(string name, int keyLength, int ivLength, int blockSize, int tagLength, CipherMode mode)
    {
        Name = name;
        KeyLength = keyLength;
        IvLength = ivLength;
        BlockSize = blockSize;
        TagLength = tagLength;
        _mode = mode;
    }

    /// <summary>The "none" cipher of unencrypted files (block size 8).</summary>
    public static KeyFileCipher None { get; } = new(KeyFileNames.CipherNone, 0, 0, 8, 0, CipherMode.None);

    private static readonly KeyFileCipher[] Known =
    [
        None,
        new(KeyFileNames.Aes128Ctr, 16, 16, 16, 0, CipherMode.Ctr),
        new(KeyFileNames.Aes192Ctr, 24, 16, 16, 0, CipherMode.Ctr),
        new(KeyFileNames.Aes256Ctr, 32, 16, 16, 0, CipherMode.Ctr),
        new(KeyFileNames.Aes128Cbc, 16, 16, 16, 0, CipherMode.Cbc),
        new(KeyFileNames.Aes192Cbc, 24, 16, 16, 0, CipherMode.Cbc),
        new(KeyFileNames.Aes256Cbc, 32, 16, 16, 0, CipherMode.Cbc),
        new(KeyFileNames.Aes128Gcm, 16, 12, 16, 16, CipherMode.Gcm),
        new(KeyFileNames.Aes256Gcm, 32, 12, 16, 16, CipherMode.Gcm),
        new(KeyFileNames.ChaCha20Poly1305, 64, 0, 8, 16, CipherMode.ChaCha20Poly1305),
    ];

    /// <summary>The cipher's name in the file.</summary>
    public string Name { get; }

    /// <summary>Key bytes taken from the KDF output.</summary>
    public int KeyLength { get; }

    /// <summary>IV bytes taken from the KDF output after the key.</summary>
    public int IvLength { get; }

    /// <summary>The encrypted section's length is a multiple of this.</summary>
    public int BlockSize { get; }

    /// <summary>Authentication tag bytes that follow the encrypted section (GCM: 16).</summary>
    public int TagLength { get; }

    /// <summary>Looks up a cipher by its file name; null when unsupported.</summary>
    public static KeyFileCipher? Find(string name) => Array.Find(Known, c => c.Name == name);

    /// <summary>Decrypts <paramref name="ciphertext"/> into <paramref name="plaintext"/> (same length).</summary>
    /// <exception cref="AuthenticationTagMismatchException">GCM tag check failed (wrong passphrase or corrupted file).</exception>
    public void Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        switch (_mode)
        {
            case CipherMode.None:
                ciphertext.CopyTo(plaintext);
                break;
            case CipherMode.Ctr:
                AesCtr(key, iv, ciphertext, plaintext);
                break;
            case CipherMode.Cbc:
                using (Aes aes = Aes.Create())
                {
                    aes.SetKey(key);
                    aes.DecryptCbc(ciphertext, iv, plaintext, PaddingMode.None);
                }
                break;
            case CipherMode.Gcm:
                using (var gcm = new AesGcm(key, TagLength))
                {
                    gcm.Decrypt(iv, ciphertext, tag, plaintext);
                }
                break;
            case CipherMode.ChaCha20Poly1305:
                ChaCha20Poly1305Open(key[..32], ciphertext, tag, plaintext);
                break;
        }
    }

    /// <summary>
    /// OpenSSH's chacha20-poly1305@openssh.com (PROTOCOL.chacha20poly1305) as a key file uses it: sequence number 0,
    /// no length field, so only the main key (the first 32 of the 64 key bytes) matters. The Poly1305 key is the first
    /// 32 bytes of keystream block 0; the tag covers the ciphertext; the payload is decrypted from block 1 on.
    /// BouncyCastle supplies the 64-bit-nonce ChaCha20 and raw Poly1305 (the BCL's ChaCha20Poly1305 is the RFC 8439 AEAD).
    /// </summary>
    private static void ChaCha20Poly1305Open(ReadOnlySpan<byte> mainKey, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        byte[] keyBytes = mainKey.ToArray();
        byte[] block0 = new byte[64];
        byte[] polyKey = new byte[32];
        byte[] computed = new byte[16];
        byte[] input = ciphertext.ToArray();
        byte[] output = new byte[input.Length];
        try
        {
            var chacha = new Org.BouncyCastle.Crypto.Engines.ChaChaEngine(20);
            chacha.Init(true, new Org.BouncyCastle.Crypto.Parameters.ParametersWithIV(
                new Org.BouncyCastle.Crypto.Parameters.KeyParameter(keyBytes), new byte[8]));
            chacha.ProcessBytes(new byte[64], 0, 64, block0, 0);
            block0.AsSpan(0, 32).CopyTo(polyKey);

            var poly = new Org.BouncyCastle.Crypto.Macs.Poly1305();
            poly.Init(new Org.BouncyCastle.Crypto.Parameters.KeyParameter(polyKey));
            poly.BlockUpdate(input, 0, input.Length);
            poly.DoFinal(computed, 0);
            if (!CryptographicOperations.FixedTimeEquals(computed, tag)) throw new AuthenticationTagMismatchException();

            chacha.ProcessBytes(input, 0, input.Length, output, 0); // keystream continues at block 1
            output.CopyTo(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
            CryptographicOperations.ZeroMemory(block0);
            CryptographicOperations.ZeroMemory(polyKey);
            CryptographicOperations.ZeroMemory(output);
        }
    }

    private static void AesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        const int Block = 16;
        int blocks = (input.Length + Block - 1) / Block;
        byte[] stream = new byte[blocks * Block];
        Span<byte> counter = stackalloc byte[Block];
        iv.CopyTo(counter);
        try
        {
            for (int i = 0; i < blocks; i++)
            {
                counter.CopyTo(stream.AsSpan(i * Block));
                for (int k = Block - 1; k >= 0 && ++counter[k] == 0; k--)
                {
                    // carry into the next byte
                }
            }
            using Aes aes = Aes.Create();
            aes.SetKey(key);
            aes.EncryptEcb(stream, stream, PaddingMode.None);
            for (int i = 0; i < input.Length; i++) output[i] = (byte)(input[i] ^ stream[i]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(stream);
            CryptographicOperations.ZeroMemory(counter);
        }
    }
}
