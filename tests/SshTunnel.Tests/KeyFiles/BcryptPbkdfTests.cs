using System.Numerics;
using System.Text;
using SshTunnel.Keys.KeyFiles;

namespace SshTunnel.Tests.KeyFiles;

public class BcryptPbkdfTests
{
    // OpenBSD regress vectors for bcrypt_pbkdf (as republished by RustCrypto's bcrypt-pbkdf tests).
    [Theory]
    [InlineData("password", "salt", 4, "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9")]
    [InlineData("password", "\0", 4, "c12b566235eee04c212598970a579a67")]
    [InlineData("\0", "salt", 4, "6051be18c2f4f82cbf0efee5471b4bb9")]
    [InlineData("password\0", "salt\0", 4, "7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050")]
    [InlineData("pass\0wor", "sa\0l", 4, "c2bffd9db38f6569efef4372f4de83c0")]
    [InlineData("pass\0word", "sa\0lt", 4, "4ba4ac3925c0e8d7f0cdb6bb1684a56f")]
    [InlineData("password", "salt", 8, "e1367ec5151a33faac4cc1c144cd23fa15d5548493ecc99b9b5d9c0d3b27bec76227ea66088b849b20ab7aa478010246e74bba51723fefa9f9474d6508845e8d")]
    [InlineData("password", "salt", 42, "833cf0dcf56db65608e8f0dc0ce882bd")]
    [InlineData("Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.", "salis\0", 8, "10978b07253df57f71a162eb0e8ad30a")]
    public void DeriveKey_MatchesOpenBsdVectors(string password, string salt, int rounds, string expectedHex)
    {
        byte[] expected = Convert.FromHexString(expectedHex);
        byte[] output = new byte[expected.Length];
        BcryptPbkdf.DeriveKey(Encoding.ASCII.GetBytes(password), Encoding.ASCII.GetBytes(salt), rounds, output);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void DeriveKey_RejectsArgumentsOpenBsdRejects()
    {
        byte[] output = new byte[32];
        Assert.Throws<ArgumentOutOfRangeException>(() => BcryptPbkdf.DeriveKey("p"u8, "s"u8, 0, output));
        Assert.Throws<ArgumentException>(() => BcryptPbkdf.DeriveKey(ReadOnlySpan<byte>.Empty, "s"u8, 1, output));
        Assert.Throws<ArgumentException>(() => BcryptPbkdf.DeriveKey("p"u8, ReadOnlySpan<byte>.Empty, 1, output));
        Assert.Throws<ArgumentException>(() => BcryptPbkdf.DeriveKey("p"u8, "s"u8, 1, new byte[1025]));
    }

    // Schneier's published vectors (ECB, big-endian halves).
    [Theory]
    [InlineData("0000000000000000", "0000000000000000", "4EF997456198DD78")]
    [InlineData("FFFFFFFFFFFFFFFF", "FFFFFFFFFFFFFFFF", "51866FD5B85ECB8A")]
    [InlineData("3000000000000000", "1000000000000001", "7D856F9A613063F2")]
    [InlineData("0123456789ABCDEF", "1111111111111111", "61F9C3802281B096")]
    [InlineData("FEDCBA9876543210", "0123456789ABCDEF", "0ACEAB0FC6A0A28D")]
    public void Blowfish_MatchesPublishedVectors(string keyHex, string plainHex, string cipherHex)
    {
        using var blowfish = new Blowfish();
        blowfish.Expand0State(Convert.FromHexString(keyHex));
        byte[] output = new byte[8];
        blowfish.EncryptBlock(Convert.FromHexString(plainHex), output);
        Assert.Equal(cipherHex, Convert.ToHexString(output));
    }

    [Fact]
    public void Blowfish_MatchesBouncyCastleEngine()
    {
        var random = new Random(1234);
        for (int n = 0; n < 20; n++)
        {
            byte[] key = new byte[random.Next(4, 57)];
            byte[] block = new byte[8];
            random.NextBytes(key);
            random.NextBytes(block);

            using var ours = new Blowfish();
            ours.Expand0State(key);
            byte[] ourOutput = new byte[8];
            ours.EncryptBlock(block, ourOutput);

            var engine = new Org.BouncyCastle.Crypto.Engines.BlowfishEngine();
            engine.Init(true, new Org.BouncyCastle.Crypto.Parameters.KeyParameter(key));
            byte[] theirOutput = new byte[8];
            engine.ProcessBlock(block, 0, theirOutput, 0);

            Assert.Equal(theirOutput, ourOutput);
        }
    }

    [Fact]
    public void BlowfishTables_AreTheHexDigitsOfPi()
    {
        // pi = 16 atan(1/5) - 4 atan(1/239) (Machin), in fixed point with guard bits.
        int words = BlowfishTables.PLength + BlowfishTables.SLength;
        int bits = words * 32 + 64;
        BigInteger one = BigInteger.One << bits;
        BigInteger pi = 16 * ArcTanInverse(5, one) - 4 * ArcTanInverse(239, one);
        BigInteger fraction = (pi - 3 * one) >> 64;

        uint[] expected = new uint[words];
        for (int i = 0; i < words; i++)
        {
            expected[i] = (uint)((fraction >> (32 * (words - 1 - i))) & uint.MaxValue);
        }
        Assert.Equal(expected[..BlowfishTables.PLength], BlowfishTables.InitialP.ToArray());
        Assert.Equal(expected[BlowfishTables.PLength..], BlowfishTables.InitialS.ToArray());
    }

    private static BigInteger ArcTanInverse(int x, BigInteger one)
    {
        BigInteger total = BigInteger.Zero;
        BigInteger term = one / x;
        int x2 = x * x;
        for (int n = 1, sign = 1; !term.IsZero; n += 2, sign = -sign)
        {
            total += sign * (term / n);
            term /= x2;
        }
        return total;
    }
}
