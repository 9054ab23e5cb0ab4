using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Keys;

public class PublicKeyParserTests
{
    public static TheoryData<string> Names => OpenSshKeyFixture.Names;

    private static byte[] BlobOf(string name) => Convert.FromBase64String(OpenSshKeyFixture.Get(name).PublicKeyLine.Split(' ')[1]);

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryTruncation_ThrowsSshProtocolException(string name)
    {
        byte[] blob = BlobOf(name);
        for (int length = 0; length < blob.Length; length++)
        {
            byte[] truncated = blob[..length];
            Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(truncated));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TrailingByte_Throws(string name)
    {
        byte[] blob = [.. BlobOf(name), 0];
        SshProtocolException error = Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(blob));
        Assert.Contains("trailing", error.Message);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void RandomCorruption_OnlyEverThrowsSshProtocolException(string name)
    {
        byte[] blob = BlobOf(name);
        var random = new Random(name.GetHashCode(StringComparison.Ordinal));
        for (int i = 0; i < 300; i++)
        {
            byte[] corrupt = (byte[])blob.Clone();
            int flips = random.Next(1, 4);
            for (int j = 0; j < flips; j++) corrupt[random.Next(corrupt.Length)] ^= (byte)random.Next(1, 256);
            try
            {
                SshPublicKey key = SshPublicKey.Parse(corrupt);
                Assert.Equal(key, SshPublicKey.Parse(key.Blob.Span)); // anything accepted has a canonical blob that parses back
            }
            catch (SshProtocolException)
            {
            }
        }
    }

    [Fact]
    public void UnknownOrBadType_Throws()
    {
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(Fields("ssh-dss", new byte[4])));
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(Fields("ssh-ed25519\u00e9")));
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse([]));
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse([0xff, 0xff, 0xff, 0xff]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void Ed25519_WrongLength_Throws(int length)
    {
        byte[] blob = Fields("ssh-ed25519", new byte[length]);
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(blob));
    }

    [Fact]
    public void Ecdsa_CurveMismatch_CompressedPoint_WrongLength_Throw()
    {
        var reader = new SshReader(BlobOf("Ecdsa256"));
        reader.ReadAsciiString();
        reader.ReadAsciiString();
        byte[] q = reader.ReadStringBytes().ToArray();

        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(EcdsaBlob("ecdsa-sha2-nistp256", "nistp384", q)));
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(EcdsaBlob("ecdsa-sha2-nistp384", "nistp384", q)));
        byte[] compressed = [(byte)(0x02 | (q[^1] & 1)), .. q.AsSpan(1, 32)];
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(EcdsaBlob("ecdsa-sha2-nistp256", "nistp256", compressed)));
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(EcdsaBlob("ecdsa-sha2-nistp256", "nistp256", q[..^1])));
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(EcdsaBlob("ecdsa-sha2-nistp256", "nistp256", [0x04])));
        byte[] wrongPrefix = (byte[])q.Clone();
        wrongPrefix[0] = 0x06;
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(EcdsaBlob("ecdsa-sha2-nistp256", "nistp256", wrongPrefix)));
        Assert.Equal(OpenSshKeyFixture.Get("Ecdsa256").Fingerprint, SshPublicKey.Parse(EcdsaBlob("ecdsa-sha2-nistp256", "nistp256", q)).Fingerprint);
    }

    [Fact]
    public void Rsa_NegativeMPInt_Throws_NonMinimalMPInt_IsCanonicalised()
    {
        var reader = new SshReader(BlobOf("Rsa2048"));
        reader.ReadAsciiString();
        byte[] e = reader.ReadUnsignedMPIntBytes().ToArray();
        byte[] n = reader.ReadUnsignedMPIntBytes().ToArray();

        // n without its 0x00 sign byte reads as negative.
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(Fields("ssh-rsa", e, n)));

        // Extra leading zeros are tolerated (as OpenSSH's sshbuf_get_bignum2 does) and the key re-encodes canonically.
        byte[] padded = Fields("ssh-rsa", (byte[])[0, 0, .. e], (byte[])[0, 0, .. n]);
        SshPublicKey key = SshPublicKey.Parse(padded);
        Assert.Equal(BlobOf("Rsa2048"), key.Blob.ToArray());
        Assert.Throws<SshProtocolException>(() => SshPublicKey.Parse(Fields("ssh-rsa", e)));
    }

    [Fact]
    public void ParseOpenSshString_TypeMismatch_IsFormatException()
    {
        string line = OpenSshKeyFixture.Get("Ed25519").PublicKeyLine;
        Assert.Throws<FormatException>(() => SshPublicKey.ParseOpenSshString("ssh-rsa " + line.Split(' ')[1]));
        Assert.Throws<FormatException>(() => SshPublicKey.ParseOpenSshString("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA=="));
    }

    /// <summary>Writes each field as an SSH string (text as UTF-8); an mpint is a string too.</summary>
    private static byte[] Fields(params object[] fields)
    {
        var writer = new SshWriter(512);
        foreach (object field in fields)
        {
            if (field is string text) writer.WriteString(text);
            else writer.WriteString((byte[])field);
        }
        return writer.ToArray();
    }

    private static byte[] EcdsaBlob(string type, string curve, byte[] q)
    {
        var writer = new SshWriter(256);
        writer.WriteString(type);
        writer.WriteString(curve);
        writer.WriteString(q);
        return writer.ToArray();
    }
}
