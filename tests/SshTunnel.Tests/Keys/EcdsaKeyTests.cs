using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Keys;

public class EcdsaKeyTests
{
    public static TheoryData<string, int> Curves => new()
    {
        { "nistp256", 32 },
        { "nistp384", 48 },
        { "nistp521", 66 },
    };

    private static ECCurve CurveOf(string name) => name switch
    {
        "nistp256" => ECCurve.NamedCurves.nistP256,
        "nistp384" => ECCurve.NamedCurves.nistP384,
        _ => ECCurve.NamedCurves.nistP521,
    };

    [Theory]
    [MemberData(nameof(Curves))]
    public async Task Generate_SignVerify_RoundTrip_AndBlobLayout(string curveName, int fieldSize)
    {
        using EcdsaPrivateKey key = EcdsaPrivateKey.Generate(CurveOf(curveName));
        SshPublicKey publicKey = key.PublicKey;
        string type = "ecdsa-sha2-" + curveName;
        Assert.Equal(type, publicKey.KeyType);
        Assert.Equal([type], publicKey.SignatureAlgorithms);

        var blobReader = new SshReader(publicKey.Blob.Span);
        Assert.Equal(type, blobReader.ReadAsciiString());
        Assert.Equal(curveName, blobReader.ReadAsciiString());
        ReadOnlySpan<byte> q = blobReader.ReadStringBytes();
        blobReader.ReadEnd();
        Assert.Equal(1 + 2 * fieldSize, q.Length);
        Assert.Equal(0x04, q[0]);

        byte[] data = "exchange hash"u8.ToArray();
        byte[] signature = await key.SignAsync(type, data);
        var reader = new SshReader(signature);
        Assert.Equal(type, reader.ReadAsciiString());
        var inner = new SshReader(reader.ReadStringBytes());
        reader.ReadEnd();
        Assert.InRange(inner.ReadUnsignedMPIntBytes().Length, 1, fieldSize);
        Assert.InRange(inner.ReadUnsignedMPIntBytes().Length, 1, fieldSize);
        inner.ReadEnd();

        Assert.True(publicKey.VerifySignatureBlob(type, data, signature));
        Assert.False(publicKey.VerifySignatureBlob(type, [.. data, 1], signature));
        Assert.False(publicKey.VerifySignatureBlob("ecdsa-sha2-nistp999", data, signature));
        Assert.Equal(publicKey, SshPublicKey.Parse(publicKey.Blob.Span));
    }

    [Fact]
    public async Task ShortR_IsEncodedAsShortMPInt_AndVerifies()
    {
        // About 1 in 256 P-256 signatures has an r below 2^248; find one (bounded) and check the mpint is minimal and verifies.
        using EcdsaPrivateKey key = EcdsaPrivateKey.Generate(ECCurve.NamedCurves.nistP256);
        for (int i = 0; i < 4000; i++)
        {
            byte[] data = BitConverter.GetBytes(i);
            byte[] blob = await key.SignAsync("ecdsa-sha2-nistp256", data);
            var reader = new SshReader(blob);
            reader.ReadAsciiString();
            var inner = new SshReader(reader.ReadStringBytes());
            ReadOnlySpan<byte> rMPInt = inner.ReadMPIntBytes();
            if (rMPInt.Length >= 32) continue;
            Assert.NotEqual(0, rMPInt[0]);
            Assert.True(key.PublicKey.VerifySignatureBlob("ecdsa-sha2-nistp256", data, blob));
            return;
        }
        Assert.Fail("no signature with a short r in 4000 tries");
    }

    [Fact]
    public async Task MalformedInnerSignatures_AreRejected()
    {
        using EcdsaPrivateKey key = EcdsaPrivateKey.Generate(ECCurve.NamedCurves.nistP256);
        byte[] data = "x"u8.ToArray();
        byte[] blob = await key.SignAsync("ecdsa-sha2-nistp256", data);
        var reader = new SshReader(blob);
        reader.ReadAsciiString();
        var inner = new SshReader(reader.ReadStringBytes());
        byte[] r = inner.ReadUnsignedMPIntBytes().ToArray();
        byte[] s = inner.ReadUnsignedMPIntBytes().ToArray();
        SshPublicKey publicKey = key.PublicKey;

        byte[] mr = MPInt(r), ms = MPInt(s);
        Assert.True(publicKey.Verify("ecdsa-sha2-nistp256", data, Strings(mr, ms)));
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", data, [.. Strings(mr, ms), 0]));
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", data, Strings(mr)));
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", data, Strings(mr, [])));
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", data, Strings([], ms)));
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", data, Strings([1, .. r], ms)));
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", data, Strings([0x80, .. r], ms)));
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", data, Strings(ms, mr)));
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", data, []));
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", data, [0, 0, 0]));
        // P1363 form (what .NET produces) is not an SSH signature.
        Assert.False(publicKey.Verify("ecdsa-sha2-nistp256", data, [.. new byte[32 - r.Length], .. r, .. new byte[32 - s.Length], .. s]));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void OffCurvePoint_Rejected(string curveName, int fieldSize)
    {
        using var ecdsa = ECDsa.Create(CurveOf(curveName));
        ECParameters parameters = ecdsa.ExportParameters(false);
        parameters.Q.Y![^1] ^= 1;
        Assert.Throws<SshProtocolException>(() => new EcdsaPublicKey(parameters));

        var writer = new SshWriter(256);
        writer.WriteString("ecdsa-sha2-" + curveName);
        writer.WriteString(curveName);
        byte[] point = [0x04, .. parameters.Q.X!, .. parameters.Q.Y];
        writer.WriteString(point);
        byte[] blob = writer.ToArray();
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(blob));

        var zero = new ECParameters { Curve = CurveOf(curveName), Q = new ECPoint { X = new byte[fieldSize], Y = new byte[fieldSize] } };
        Assert.Throws<SshProtocolException>(() => new EcdsaPublicKey(zero));
    }

    [Fact]
    public void UnsupportedCurveOrMissingFields_Rejected()
    {
        using var brainpool = ECDsa.Create(ECCurve.NamedCurves.brainpoolP256r1);
        Assert.Throws<SshProtocolException>(() => new EcdsaPublicKey(brainpool.ExportParameters(false)));
        Assert.Throws<SshProtocolException>(() => new EcdsaPrivateKey(brainpool.ExportParameters(true)));

        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Throws<SshProtocolException>(() => new EcdsaPublicKey(new ECParameters { Curve = ECCurve.NamedCurves.nistP256 }));
        Assert.Throws<SshProtocolException>(() => new EcdsaPrivateKey(p256.ExportParameters(false)));
        ECParameters tooLong = p256.ExportParameters(false);
        tooLong.Q.X = [1, .. tooLong.Q.X!];
        Assert.Throws<SshProtocolException>(() => new EcdsaPublicKey(tooLong));
    }

    [Fact]
    public void PrivateKey_DNotMatchingQ_Rejected()
    {
        using var a = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var b = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        ECParameters mixed = a.ExportParameters(true);
        mixed.Q = b.ExportParameters(false).Q;
        Assert.Throws<SshProtocolException>(() => new EcdsaPrivateKey(mixed));
    }

    [Fact]
    public void PrivateKey_CurveByOidValueOrFriendlyName_AndShortD_Accepted()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        ECParameters parameters = ecdsa.ExportParameters(true);
        using var byOid = new EcdsaPrivateKey(parameters with { Curve = ECCurve.CreateFromValue("1.3.132.0.35") });
        using var byName = new EcdsaPrivateKey(parameters with { Curve = ECCurve.CreateFromFriendlyName("secp521r1") });
        Assert.Equal("ecdsa-sha2-nistp521", byOid.PublicKey.KeyType);
        Assert.Equal(byOid.PublicKey, byName.PublicKey);

        // A D with its leading zero bytes stripped (as an mpint carries it) is padded back.
        byte[] d = parameters.D!;
        int zeros = 0;
        while (d[zeros] == 0) zeros++;
        using var stripped = new EcdsaPrivateKey(parameters with { D = d[zeros..] });
        Assert.Equal(byOid.PublicKey, stripped.PublicKey);
    }

    [Fact]
    public void PrivateKey_DOnly_DerivesPublicPoint()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ECParameters parameters = ecdsa.ExportParameters(true);
        using var key = new EcdsaPrivateKey(new ECParameters { Curve = parameters.Curve, D = parameters.D });
        Assert.Equal(new EcdsaPublicKey(parameters), key.PublicKey);
    }

    [Fact]
    public async Task Sign_WrongAlgorithm_Throws_AfterDispose_Throws()
    {
        var key = EcdsaPrivateKey.Generate(ECCurve.NamedCurves.nistP256);
        await Assert.ThrowsAsync<ArgumentException>(async () => await key.SignAsync("ecdsa-sha2-nistp384", new byte[1]));
        key.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await key.SignAsync("ecdsa-sha2-nistp256", new byte[1]));
    }

    private static byte[] MPInt(byte[] unsigned) => (unsigned[0] & 0x80) != 0 ? [0, .. unsigned] : unsigned;

    private static byte[] Strings(params byte[][] fields)
    {
        var writer = new SshWriter(256);
        foreach (byte[] field in fields) writer.WriteString(field);
        return writer.ToArray();
    }
}
