using System.Numerics;
using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Keys;

public class RsaKeyTests
{
    private static SshPrivateKey FixtureKey() => FixtureKeys.PrivateKey(OpenSshKeyFixture.Get("Rsa2048"));

    [Fact]
    public async Task SignatureAlgorithms_AreSha2Only_AndRoundTrip()
    {
        using SshPrivateKey key = FixtureKey();
        SshPublicKey publicKey = key.PublicKey;
        Assert.Equal("ssh-rsa", publicKey.KeyType);
        Assert.Equal(["rsa-sha2-512", "rsa-sha2-256"], publicKey.SignatureAlgorithms);
        byte[] data = "data"u8.ToArray();

        byte[] sha512 = await key.SignAsync("rsa-sha2-512", data);
        byte[] sha256 = await key.SignAsync("rsa-sha2-256", data);
        Assert.True(publicKey.VerifySignatureBlob("rsa-sha2-512", data, sha512));
        Assert.True(publicKey.VerifySignatureBlob("rsa-sha2-256", data, sha256));
        // The blob's algorithm must match what was negotiated, and the hash must match the name.
        Assert.False(publicKey.VerifySignatureBlob("rsa-sha2-256", data, sha512));
        Assert.False(publicKey.Verify("rsa-sha2-256", data, Raw(sha512)));
        Assert.Equal(256, Raw(sha512).Length);
    }

    [Fact]
    public async Task Sha1SshRsa_NotAccepted_NotProduced()
    {
        using SshPrivateKey key = FixtureKey();
        byte[] data = "data"u8.ToArray();
        using RSA rsa = RSA.Create(ExportFixtureRsa());
        byte[] sha1Signature = rsa.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);
        Assert.True(rsa.VerifyData(data, sha1Signature, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));

        Assert.False(key.PublicKey.Verify("ssh-rsa", data, sha1Signature));
        Assert.False(key.PublicKey.VerifySignatureBlob("ssh-rsa", data, Ed25519KeyTests.SshSignatureBlob("ssh-rsa", sha1Signature)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await key.SignAsync("ssh-rsa", data));
    }

    [Fact]
    public async Task SignatureShorterThanModulus_IsPadded_LongerIsRejected()
    {
        using SshPrivateKey key = FixtureKey();
        for (int i = 0; i < 4000; i++)
        {
            byte[] data = BitConverter.GetBytes(i);
            byte[] raw = Raw(await key.SignAsync("rsa-sha2-256", data));
            if (raw[0] != 0) continue;
            // OpenSSH strips nothing itself but accepts a signature shorter than the modulus (ssh_rsa_verify pads it).
            Assert.True(key.PublicKey.Verify("rsa-sha2-256", data, raw.AsSpan(1)));
            Assert.True(key.PublicKey.Verify("rsa-sha2-256", data, raw));
            Assert.False(key.PublicKey.Verify("rsa-sha2-256", data, [0, .. raw]));
            return;
        }
        Assert.Fail("no signature with a leading zero byte in 4000 tries");
    }

    [Fact]
    public void SmallKeys_Rejected_1024Accepted()
    {
        byte[] modulus1023 = new byte[128];
        modulus1023[0] = 0x7f;
        modulus1023[^1] = 0x01;
        var e = new byte[] { 1, 0, 1 };
        SshProtocolException error = Assert.Throws<SshProtocolException>(() => new RsaPublicKey(new RSAParameters { Modulus = modulus1023, Exponent = e }));
        Assert.Contains("1023", error.Message);

        using RSA rsa1024 = RSA.Create(1024);
        var key1024 = new RsaPublicKey(rsa1024.ExportParameters(false));
        Assert.Equal(1024, key1024.KeySize);

        // The same through the wire parser.
        var writer = new SshWriter(256);
        writer.WriteString("ssh-rsa");
        writer.WriteMPInt(e);
        writer.WriteMPInt(modulus1023);
        byte[] blob = writer.ToArray();
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(blob));
    }

    [Theory]
    [InlineData(new byte[] { 1 })]
    [InlineData(new byte[] { 2 })]
    [InlineData(new byte[] { 1, 0, 0 })]
    [InlineData(new byte[0])]
    public void BadExponent_Rejected(byte[] exponent)
    {
        RSAParameters parameters = ExportFixtureRsa();
        Assert.Throws<SshProtocolException>(() => new RsaPublicKey(new RSAParameters { Modulus = parameters.Modulus, Exponent = exponent }));
    }

    [Fact]
    public void EvenModulusOrMissingFields_Rejected()
    {
        RSAParameters parameters = ExportFixtureRsa();
        byte[] even = (byte[])parameters.Modulus!.Clone();
        even[^1] &= 0xfe;
        Assert.Throws<SshProtocolException>(() => new RsaPublicKey(new RSAParameters { Modulus = even, Exponent = parameters.Exponent }));
        Assert.Throws<SshProtocolException>(() => new RsaPublicKey(new RSAParameters { Exponent = parameters.Exponent }));
        Assert.Throws<SshProtocolException>(() => new RsaPrivateKey(parameters with { D = null }));
        Assert.Throws<SshProtocolException>(() => new RsaPrivateKey(parameters with { P = null }));
    }

    [Fact]
    public void PrivateKey_InconsistentPrimesOrIqmp_Rejected()
    {
        RSAParameters parameters = ExportFixtureRsa();
        Assert.Throws<SshProtocolException>(() => new RsaPrivateKey(parameters with { P = parameters.Q, Q = parameters.P }));
        byte[] badIqmp = (byte[])parameters.InverseQ!.Clone();
        badIqmp[^1] ^= 1;
        Assert.Throws<SshProtocolException>(() => new RsaPrivateKey(parameters with { InverseQ = badIqmp }));
        byte[] badP = (byte[])parameters.P!.Clone();
        badP[^1] ^= 2;
        Assert.Throws<SshProtocolException>(() => new RsaPrivateKey(parameters with { P = badP }));
    }

    [Fact]
    public async Task PrivateKey_WithoutCrtValues_IsCompleted()
    {
        RSAParameters parameters = ExportFixtureRsa();
        using var key = new RsaPrivateKey(parameters with { DP = null, DQ = null, InverseQ = null });
        byte[] data = "abc"u8.ToArray();
        byte[] signature = await key.SignAsync("rsa-sha2-512", data);
        Assert.True(key.PublicKey.VerifySignatureBlob("rsa-sha2-512", data, signature));
        Assert.Equal(FixtureKeys.PublicKey(OpenSshKeyFixture.Get("Rsa2048")), key.PublicKey);
    }

    [Fact]
    public async Task Generate_RoundTrip_AndDisposeBlocksSigning()
    {
        var key = RsaPrivateKey.Generate(2048);
        Assert.Equal(2048, ((RsaPublicKey)key.PublicKey).KeySize);
        byte[] data = "abc"u8.ToArray();
        byte[] signature = await key.SignAsync("rsa-sha2-256", data);
        Assert.True(key.PublicKey.VerifySignatureBlob("rsa-sha2-256", data, signature));
        Assert.Throws<SshProtocolException>(() => RsaPrivateKey.Generate(512));
        key.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await key.SignAsync("rsa-sha2-256", data));
    }

    private static byte[] Raw(byte[] signatureBlob)
    {
        var reader = new SshReader(signatureBlob);
        reader.ReadAsciiString();
        return reader.ReadStringBytes().ToArray();
    }

    /// <summary>The fixture's RSA-2048 private parameters, read back through our key's openssh private fields.</summary>
    internal static RSAParameters ExportFixtureRsa()
    {
        byte[] fields = Convert.FromBase64String(OpenSshKeyFixture.Get("Rsa2048").PrivateFieldsBase64);
        var reader = new SshReader(fields);
        byte[] n = reader.ReadUnsignedMPIntBytes().ToArray();
        byte[] e = reader.ReadUnsignedMPIntBytes().ToArray();
        byte[] d = reader.ReadUnsignedMPIntBytes().ToArray();
        byte[] iqmp = reader.ReadUnsignedMPIntBytes().ToArray();
        byte[] p = reader.ReadUnsignedMPIntBytes().ToArray();
        byte[] q = reader.ReadUnsignedMPIntBytes().ToArray();
        var pi = new BigInteger(p, isUnsigned: true, isBigEndian: true);
        var qi = new BigInteger(q, isUnsigned: true, isBigEndian: true);
        var di = new BigInteger(d, isUnsigned: true, isBigEndian: true);
        return new RSAParameters
        {
            Modulus = n, Exponent = e, D = Pad(d, n.Length), P = Pad(p, 128), Q = Pad(q, 128), InverseQ = Pad(iqmp, 128),
            DP = Pad((di % (pi - 1)).ToByteArray(true, true), 128), DQ = Pad((di % (qi - 1)).ToByteArray(true, true), 128),
        };
    }

    private static byte[] Pad(byte[] value, int length) => [.. new byte[length - value.Length], .. value];
}
