using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SshTunnel.Keys.KeyFiles;

/// <summary>
/// The Blowfish block cipher core (Schneier 1993) with the "expensive key schedule" operations that
/// OpenBSD's bcrypt and bcrypt_pbkdf use (Provos and Mazieres 1999: Blowfish_expandstate / Blowfish_expand0state).
/// Only used by <see cref="BcryptPbkdf"/>: the BCL, OpenSSL and BouncyCastle have no bcrypt_pbkdf, so this is the
/// one primitive the project writes (by explicit decision), verified by the published vectors in the tests.
/// </summary>
internal sealed class Blowfish : IDisposable
{
    private const int Rounds = 16;
    private readonly uint[] _p = new uint[BlowfishTables.PLength];
    private readonly uint[] _s = new uint[BlowfishTables.SLength];

    /// <summary>Creates a cipher in the initial (pi) state; call <see cref="Expand0State"/> to set a key.</summary>
    public Blowfish() => InitState();

    /// <summary>Resets P and S to the pi tables (Blowfish_initstate).</summary>
    public void InitState()
    {
        BlowfishTables.InitialP.CopyTo(_p);
        BlowfishTables.InitialS.CopyTo(_s);
    }

    /// <summary>
    /// Blowfish_expand0state: XORs the key cyclically into P, then replaces P and S by successive encryptions of a
    /// zero block. On a fresh state this is the standard Blowfish key schedule.
    /// </summary>
    public void Expand0State(ReadOnlySpan<byte> key) => ExpandState(ReadOnlySpan<byte>.Empty, key);

    /// <summary>
    /// Blowfish_expandstate (the eksblowfish salted key schedule): XORs <paramref name="key"/> cyclically into P,
    /// then replaces P and S by successive encryptions of the running block XORed with the next 8 bytes of
    /// <paramref name="data"/> (taken cyclically). Empty <paramref name="data"/> gives <see cref="Expand0State"/>.
    /// </summary>
    public void ExpandState(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        int j = 0;
        for (int i = 0; i < _p.Length; i++)
        {
            _p[i] ^= StreamToWord(key, ref j);
        }

        j = 0;
        uint left = 0, right = 0;
        for (int i = 0; i < _p.Length; i += 2)
        {
            if (!data.IsEmpty)
            {
                left ^= StreamToWord(data, ref j);
                right ^= StreamToWord(data, ref j);
            }
            Encipher(ref left, ref right);
            _p[i] = left;
            _p[i + 1] = right;
        }
        for (int i = 0; i < _s.Length; i += 2)
        {
            if (!data.IsEmpty)
            {
                left ^= StreamToWord(data, ref j);
                right ^= StreamToWord(data, ref j);
            }
            Encipher(ref left, ref right);
            _s[i] = left;
            _s[i + 1] = right;
        }
    }

    /// <summary>Encrypts one 64-bit block given as two big-endian halves.</summary>
    public void Encipher(ref uint left, ref uint right)
    {
        uint[] p = _p;
        uint xl = left ^ p[0];
        uint xr = right;
        for (int i = 1; i <= Rounds; i += 2)
        {
            xr ^= F(xl) ^ p[i];
            xl ^= F(xr) ^ p[i + 1];
        }
        left = xr ^ p[Rounds + 1];
        right = xl;
    }

    /// <summary>Encrypts one 8-byte block (big-endian halves, as the specification's test vectors are written).</summary>
    public void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output)
    {
        uint left = BinaryPrimitives.ReadUInt32BigEndian(input);
        uint right = BinaryPrimitives.ReadUInt32BigEndian(input[4..]);
        Encipher(ref left, ref right);
        BinaryPrimitives.WriteUInt32BigEndian(output, left);
        BinaryPrimitives.WriteUInt32BigEndian(output[4..], right);
    }

    /// <summary>Wipes the key-dependent state.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_p.AsSpan()));
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_s.AsSpan()));
    }

    private uint F(uint x)
    {
        uint[] s = _s;
        return ((s[x >> 24] + s[256 + ((x >> 16) & 0xff)]) ^ s[512 + ((x >> 8) & 0xff)]) + s[768 + (x & 0xff)];
    }

    /// <summary>Blowfish_stream2word: the next 4 bytes of <paramref name="data"/> (cyclically) as a big-endian word.</summary>
    internal static uint StreamToWord(ReadOnlySpan<byte> data, ref int position)
    {
        uint word = 0;
        for (int i = 0; i < 4; i++)
        {
            if (position >= data.Length) position = 0;
            word = (word << 8) | data[position++];
        }
        return word;
    }
}
