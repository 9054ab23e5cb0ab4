using System.Numerics;
using SshTunnel.Errors;
using SshTunnel.Transport.KeyExchange;

namespace SshTunnel.Tests.KeyExchange;

public class DiffieHellmanTests
{
    public static TheoryData<int, int> Rfc3526Groups => new()
    {
        { 2048, 124476 },  // group 14
        { 4096, 240904 },  // group 16
        { 8192, 4743158 }, // group 18
    };

    private static BigInteger PrimeFor(int bits) => bits switch
    {
        2048 => DiffieHellmanGroups.Group14Prime,
        4096 => DiffieHellmanGroups.Group16Prime,
        _ => DiffieHellmanGroups.Group18Prime,
    };

    [Theory]
    [MemberData(nameof(Rfc3526Groups))]
    public void EmbeddedPrimes_MatchRfc3526Definition(int bits, int k)
    {
        // RFC 3526: p = 2^n - 2^(n-64) - 1 + 2^64 * ([2^(n-130) pi] + k). Recomputing pi here checks every hex digit.
        BigInteger expected = BigInteger.Pow(2, bits) - BigInteger.Pow(2, bits - 64) - 1
            + BigInteger.Pow(2, 64) * (PiTimesPowerOfTwo(bits - 130) + k);
        BigInteger p = PrimeFor(bits);
        Assert.Equal(expected, p);
        Assert.Equal(bits, p.GetBitLength());
        Assert.False(p.IsEven);
        Assert.Equal(2, DiffieHellmanGroups.Generator);
    }

    [Fact]
    public void Group14_IsASafePrime_FermatBase2()
    {
        BigInteger p = DiffieHellmanGroups.Group14Prime;
        BigInteger q = (p - 1) / 2;
        Assert.Equal(BigInteger.One, BigInteger.ModPow(2, p - 1, p));
        Assert.Equal(BigInteger.One, BigInteger.ModPow(2, q - 1, q));
        Assert.Equal(BigInteger.One, BigInteger.ModPow(3, q - 1, q));
    }

    [Theory]
    [InlineData("diffie-hellman-group14-sha256", 2048)]
    [InlineData("diffie-hellman-group16-sha512", 4096)]
    [InlineData("diffie-hellman-group18-sha512", 8192)]
    public void FixedGroups_ClientAndServerAgree(string kex, int bits)
    {
        using IKeyAgreement client = KeyAgreementFactory.Create(kex);
        using IKeyAgreement server = KeyAgreementFactory.Create(kex);
        Assert.True(client.PublicValueIsMPInt);
        Assert.InRange(client.PublicValue.Length, 1, bits / 8);
        Assert.NotEqual(0, client.PublicValue[0]);

        byte[] k = client.DeriveSharedSecret(server.PublicValue);
        Assert.Equal(k, server.DeriveSharedSecret(client.PublicValue));
        Assert.InRange(k.Length, bits / 8 - 8, bits / 8);
        Assert.Equal(PrimeFor(bits), ((DiffieHellmanKeyAgreement)client).Modulus);
    }

    public static TheoryData<string> InvalidPeerValues => new() { "0", "1", "2", "p-1", "p", "p+1", "2^1000", "p*2" };

    [Theory]
    [MemberData(nameof(InvalidPeerValues))]
    public void InvalidPeerValue_Rejected(string which)
    {
        using IKeyAgreement client = KeyAgreementFactory.Create("diffie-hellman-group14-sha256");
        BigInteger p = DiffieHellmanGroups.Group14Prime;
        BigInteger f = which switch
        {
            "p-1" => p - 1,
            "p" => p,
            "p+1" => p + 1,
            "2^1000" => BigInteger.Pow(2, 1000),
            "p*2" => p * 2,
            _ => BigInteger.Parse(which),
        };
        byte[] bytes = f.IsZero ? [] : f.ToByteArray(isUnsigned: true, isBigEndian: true);
        SshProtocolException error = Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(bytes));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, error.Reason);
    }

    [Fact]
    public void SmallButValidPeerValues_Accepted()
    {
        using IKeyAgreement client = KeyAgreementFactory.Create("diffie-hellman-group14-sha256");
        Assert.NotEmpty(client.DeriveSharedSecret([3]));
        Assert.NotEmpty(client.DeriveSharedSecret((DiffieHellmanGroups.Group14Prime - 2).ToByteArray(isUnsigned: true, isBigEndian: true)));
    }

    [Fact]
    public void GroupExchange_ServerChosenGroup_Agrees()
    {
        // As after SSH_MSG_KEX_DH_GEX_GROUP: validate, then both sides use the group.
        BigInteger p = DiffieHellmanGroups.Group16Prime;
        KeyAgreementFactory.ValidateGroup(p, 2, 2048, 8192);
        using IKeyAgreement client = KeyAgreementFactory.CreateDiffieHellman(p, 2);
        using IKeyAgreement server = KeyAgreementFactory.CreateDiffieHellman(p, 2);
        Assert.True(server.PublicValueIsMPInt);
        Assert.Equal(client.DeriveSharedSecret(server.PublicValue), server.DeriveSharedSecret(client.PublicValue));
    }

    [Fact]
    public void GroupExchange_SmallPrime_CapsExponent_AndAgrees()
    {
        BigInteger p = BigInteger.Pow(2, 127) - 1; // a Mersenne prime
        using IKeyAgreement a = KeyAgreementFactory.CreateDiffieHellman(p, 3);
        using IKeyAgreement b = KeyAgreementFactory.CreateDiffieHellman(p, 3);
        Assert.Equal(a.DeriveSharedSecret(b.PublicValue), b.DeriveSharedSecret(a.PublicValue));
    }

    [Theory]
    [InlineData(2048, 4096, "ok")]
    [InlineData(3072, 8192, "too small")]
    [InlineData(1024, 2047, "too large")]
    public void ValidateGroup_BitBounds(int min, int max, string outcome)
    {
        BigInteger p = DiffieHellmanGroups.Group14Prime;
        if (outcome == "ok") KeyAgreementFactory.ValidateGroup(p, 2, min, max);
        else Assert.Throws<SshProtocolException>(() => KeyAgreementFactory.ValidateGroup(p, 2, min, max));
    }

    [Fact]
    public void ValidateGroup_BadGeneratorOrEvenModulus_Rejected()
    {
        BigInteger p = DiffieHellmanGroups.Group14Prime;
        foreach (BigInteger g in new[] { BigInteger.Zero, BigInteger.One, p - 1, p, p + 1, BigInteger.MinusOne })
        {
            Assert.Throws<SshProtocolException>(() => KeyAgreementFactory.ValidateGroup(p, g, 2048, 8192));
            Assert.Throws<SshProtocolException>(() => KeyAgreementFactory.CreateDiffieHellman(p, g));
        }
        Assert.Throws<SshProtocolException>(() => KeyAgreementFactory.ValidateGroup(p + 1, 2, 2048, 8192));
        Assert.Throws<SshProtocolException>(() => KeyAgreementFactory.CreateDiffieHellman(p + 1, 2));
        Assert.Throws<SshProtocolException>(() => KeyAgreementFactory.ValidateGroup(BigInteger.Zero, 2, 0, 8192));
        Assert.Throws<SshProtocolException>(() => KeyAgreementFactory.ValidateGroup(-p, 2, 0, 8192));
        KeyAgreementFactory.ValidateGroup(p, p - 2, 2048, 2048);
    }

    [Fact]
    public void Dispose_StopsUse()
    {
        IKeyAgreement agreement = KeyAgreementFactory.Create("diffie-hellman-group14-sha256");
        agreement.Dispose();
        Assert.Throws<ObjectDisposedException>(() => agreement.DeriveSharedSecret([3]));
    }

    private static BigInteger PiTimesPowerOfTwo(int bits)
    {
        // floor(pi * 2^bits) by Machin's formula pi = 16 atan(1/5) - 4 atan(1/239), with guard bits.
        const int Guard = 64;
        BigInteger one = BigInteger.One << (bits + Guard);
        BigInteger AtanInverse(int x)
        {
            BigInteger term = one / x, total = term, x2 = x * x;
            int sign = -1;
            for (int n = 1; !term.IsZero; n++, sign = -sign)
            {
                term /= x2;
                total += sign * (term / (2 * n + 1));
            }
            return total;
        }
        return (16 * AtanInverse(5) - 4 * AtanInverse(239)) >> Guard;
    }
}
