using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SshTunnel.Keys.KeyFiles;

/// <summary>
/// OpenBSD's bcrypt_pbkdf(3), the KDF of encrypted openssh-key-v1 files (kdfname "bcrypt"): a PBKDF2-like
/// construction over SHA-512 whose PRF is bcrypt_hash (eksblowfish with 64 salted expansion rounds, encrypting
/// "OxychromaticBlowfishSwatDynamite" 64 times), with the output bytes spread ("interleaved") across the blocks.
/// </summary>
internal static class BcryptPbkdf
{
    private const int HashSize = 32; // BCRYPT_HASHSIZE
    private const int Words = HashSize / 4;
    private const int MaxSaltLength = 1 << 20;
    private const int MaxOutputLength = HashSize * HashSize;

    private static ReadOnlySpan<byte> MagicText => "OxychromaticBlowfishSwatDynamite"u8;

    /// <summary>Derives <paramref name="output"/>.Length bytes from a password and salt.</summary>
    /// <param name="password">Passphrase bytes (UTF-8 for OpenSSH), not empty.</param>
    /// <param name="salt">Salt, 1 byte to 1 MiB (OpenSSH writes 16).</param>
    /// <param name="rounds">Iteration count, at least 1 (OpenSSH: 16 up to 9.3, 24 since 9.4).</param>
    /// <param name="output">Receives the key; 1 to 1,024 bytes.</param>
    /// <exception cref="ArgumentException">An argument is outside the ranges OpenBSD accepts.</exception>
    public static void DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int rounds, Span<byte> output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        if (password.IsEmpty) throw new ArgumentException("password must not be empty", nameof(password));
        if (salt.IsEmpty || salt.Length > MaxSaltLength) throw new ArgumentException("salt length out of range", nameof(salt));
        if (output.IsEmpty || output.Length > MaxOutputLength) throw new ArgumentException("output length out of range", nameof(output));

        int stride = (output.Length + HashSize - 1) / HashSize;
        int amount = (output.Length + stride - 1) / stride;

        Span<byte> sha2Pass = stackalloc byte[SHA512.HashSizeInBytes];
        Span<byte> sha2Salt = stackalloc byte[SHA512.HashSizeInBytes];
        Span<byte> block = stackalloc byte[HashSize];
        Span<byte> temp = stackalloc byte[HashSize];
        Span<byte> countSalt = stackalloc byte[4];
        using var blowfish = new Blowfish();
        using var saltHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        try
        {
            SHA512.HashData(password, sha2Pass);
            int remaining = output.Length;
            for (uint count = 1; remaining > 0; count++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(countSalt, count);
                saltHash.AppendData(salt);
                saltHash.AppendData(countSalt);
                saltHash.GetHashAndReset(sha2Salt);
                BcryptHash(blowfish, sha2Pass, sha2Salt, temp);
                temp.CopyTo(block);

                for (int i = 1; i < rounds; i++)
                {
                    SHA512.HashData(temp, sha2Salt);
                    BcryptHash(blowfish, sha2Pass, sha2Salt, temp);
                    for (int k = 0; k < HashSize; k++) block[k] ^= temp[k];
                }

                // Not PBKDF2: byte i of this block goes to output[i * stride + count - 1].
                int take = Math.Min(amount, remaining);
                int written = 0;
                for (; written < take; written++)
                {
                    int destination = written * stride + (int)(count - 1);
                    if (destination >= output.Length) break;
                    output[destination] = block[written];
                }
                remaining -= written;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sha2Pass);
            CryptographicOperations.ZeroMemory(sha2Salt);
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(temp);
        }
    }

    /// <summary>bcrypt_hash: eksblowfish keyed by the hashed password and salt, then 64 encryptions of the magic text.</summary>
    private static void BcryptHash(Blowfish blowfish, ReadOnlySpan<byte> sha2Pass, ReadOnlySpan<byte> sha2Salt, Span<byte> output)
    {
        blowfish.InitState();
        blowfish.ExpandState(sha2Salt, sha2Pass);
        for (int i = 0; i < 64; i++)
        {
            blowfish.Expand0State(sha2Salt);
            blowfish.Expand0State(sha2Pass);
        }

        Span<uint> data = stackalloc uint[Words];
        int position = 0;
        for (int i = 0; i < Words; i++) data[i] = Blowfish.StreamToWord(MagicText, ref position);
        for (int i = 0; i < 64; i++)
        {
            for (int k = 0; k < Words; k += 2) blowfish.Encipher(ref data[k], ref data[k + 1]);
        }

        // The words go out little-endian (an OpenBSD quirk that OpenSSH keeps).
        for (int i = 0; i < Words; i++) BinaryPrimitives.WriteUInt32LittleEndian(output[(4 * i)..], data[i]);
        data.Clear();
    }
}
