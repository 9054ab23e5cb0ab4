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
