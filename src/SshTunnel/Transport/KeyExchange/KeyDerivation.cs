using System.Security.Cryptography;
using SshTunnel.Wire;

namespace SshTunnel.Transport.KeyExchange;

/// <summary>RFC 4253 §7.2 key derivation: K1 = HASH(K || H || X || session_id), Kn = HASH(K || H || K1 || ... || Kn-1).</summary>
internal static class KeyDerivation
{
    /// <summary>
    /// Derives <paramref name="length"/> bytes for letter <paramref name="letter"/> ('A'..'F').
    /// <paramref name="sharedSecret"/> is K as unsigned big-endian bytes (encoded here as an mpint).
    /// </summary>
    public static byte[] Derive(HashAlgorithmName hash, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> exchangeHash, char letter, ReadOnlySpan<byte> sessionId, int length)
    {
        byte[] result = new byte[length];
        if (length == 0) return result;
        var writer = new SshWriter(sharedSecret.Length + 8);
        try
        {
            writer.WriteMPInt(sharedSecret);
            ReadOnlySpan<byte> encodedK = writer.WrittenSpan;
            using var h = IncrementalHash.CreateHash(hash);
            h.AppendData(encodedK);
            h.AppendData(exchangeHash);
            h.AppendData([(byte)letter]);
            h.AppendData(sessionId);
            byte[] block = h.GetHashAndReset();
            int filled = Math.Min(block.Length, length);
            block.AsSpan(0, filled).CopyTo(result);
            while (filled < length)
            {
                h.AppendData(encodedK);
                h.AppendData(exchangeHash);
                h.AppendData(result.AsSpan(0, filled));
                CryptographicOperations.ZeroMemory(block);
                block = h.GetHashAndReset();
                int n = Math.Min(block.Length, length - filled);
                block.AsSpan(0, n).CopyTo(result.AsSpan(filled));
                filled += n;
            }
            CryptographicOperations.ZeroMemory(block);
            return result;
        }
        finally
        {
            writer.DisposeSensitive();
        }
    }
}
