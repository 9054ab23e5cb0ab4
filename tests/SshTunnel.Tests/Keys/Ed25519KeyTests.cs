using System.Numerics;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Keys;

public class Ed25519KeyTests
{
    // RFC 8032 §7.1 TEST 1, TEST 2, TEST 3: secret key (seed), public key, message, signature.
    public static TheoryData<string, string, string, string> Rfc8032Vectors => new()
    {
        {
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        },
        {
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        },
        {
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        },
    };

    [Theory]
    [MemberData(nameof(Rfc8032Vectors))]
    public async Task Rfc8032_SignAndVerify(string seedHex, string publicHex, string messageHex, string signatureHex)
    {
        byte[] message = Convert.FromHexString(messageHex);
        using var key = new Ed25519PrivateKey(Convert.FromHexString(seedHex));
        var publicKey = (Ed25519PublicKey)key.PublicKey;
        Assert.Equal(publicHex, Convert.ToHexStringLower(publicKey.KeyBytes));

        byte[] blob = await key.SignAsync("ssh-ed25519", message);
        Assert.Equal(SshSignatureBlob("ssh-ed25519", Convert.FromHexString(signatureHex)), blob);

        Assert.True(publicKey.Verify("ssh-ed25519", message, Convert.FromHexString(signatureHex)));
        Assert.True(publicKey.VerifySignatureBlob("ssh-ed25519", message, blob));
    }

    [Theory]
    [MemberData(nameof(Rfc8032Vectors))]
    public void Rfc8032_TamperedMessageOrSignature_Rejected(string seedHex, string publicHex, string messageHex, string signatureHex)
    {
        _ = seedHex;
        var publicKey = new Ed25519PublicKey(Convert.FromHexString(publicHex));
        byte[] message = Convert.FromHexString(messageHex);
        byte[] signature = Convert.FromHexString(signatureHex);

        Assert.False(publicKey.Verify("ssh-ed25519", [.. message, 0], signature));
        for (int i = 0; i < signature.Length; i += 7)
        {
            byte[] tampered = (byte[])signature.Clone();
            tampered[i] ^= 0x10;
            Assert.False(publicKey.Verify("ssh-ed25519", message, tampered));
        }
        Assert.False(publicKey.Verify("ssh-ed25519", message, signature.AsSpan(0, 63)));
        Assert.False(publicKey.Verify("ssh-ed25519", message, [.. signature, 0]));
        Assert.False(publicKey.Verify("ssh-ed25519", message, []));
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", message, signature));
    }

    [Theory]
    [MemberData(nameof(Rfc8032Vectors))]
    public void NonCanonicalS_SPlusL_Rejected(string seedHex, string publicHex, string messageHex, string signatureHex)
    {
        _ = seedHex;
        var publicKey = new Ed25519PublicKey(Convert.FromHexString(publicHex));
        byte[] message = Convert.FromHexString(messageHex);
        byte[] signature = Convert.FromHexString(signatureHex);
        BigInteger l = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493");
        var s = new BigInteger(signature.AsSpan(32), isUnsigned: true, isBigEndian: false);
        byte[] malleable = (byte[])signature.Clone();
        Array.Clear(malleable, 32, 32);
        Assert.True((s + l).TryWriteBytes(malleable.AsSpan(32), out _, isUnsigned: true, isBigEndian: false));

        Assert.True(publicKey.Verify("ssh-ed25519", message, signature));
        Assert.False(publicKey.Verify("ssh-ed25519", message, malleable));
    }

    [Fact]
    public async Task Generate_SignVerifyRoundTrip_AndKeysDiffer()
    {
        using Ed25519PrivateKey a = Ed25519PrivateKey.Generate();
        using Ed25519PrivateKey b = Ed25519PrivateKey.Generate();
        Assert.NotEqual(a.PublicKey, b.PublicKey);
        byte[] data = "data"u8.ToArray();
        byte[] blob = await a.SignAsync("ssh-ed25519", data);
        Assert.True(a.PublicKey.VerifySignatureBlob("ssh-ed25519", data, blob));
        Assert.False(b.PublicKey.VerifySignatureBlob("ssh-ed25519", data, blob));
        Assert.Equal(["ssh-ed25519"], a.PublicKey.SignatureAlgorithms);
    }

    [Fact]
    public void PublicKey_BlobIsTypeAndPoint()
    {
        byte[] point = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        var key = new Ed25519PublicKey(point);
        Assert.Equal(SshSignatureBlob("ssh-ed25519", point), key.Blob.ToArray());
        Assert.Equal(key, SshPublicKey.Parse(key.Blob.Span));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void WrongLengths_Throw(int length)
    {
        Assert.Throws<SshProtocolException>(() => new Ed25519PublicKey(new byte[length]));
        Assert.Throws<SshProtocolException>(() => new Ed25519PrivateKey(new byte[length]));
    }

    [Fact]
    public async Task Sign_WrongAlgorithm_Throws_AfterDispose_Throws()
    {
        var key = Ed25519PrivateKey.Generate();
        await Assert.ThrowsAsync<ArgumentException>(async () => await key.SignAsync("rsa-sha2-256", new byte[1]));
        key.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await key.SignAsync("ssh-ed25519", new byte[1]));
    }

    internal static byte[] SshSignatureBlob(string algorithm, byte[] signature)
    {
        var writer = new SshWriter(256);
        writer.WriteString(algorithm);
        writer.WriteString(signature);
        return writer.ToArray();
    }
}
