using SshTunnel.Keys;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Keys;

/// <summary>Our key types against keys, fingerprints and signatures produced by OpenSSH's ssh-keygen (see <see cref="OpenSshKeyFixture"/>).</summary>
public class SshKeygenInteropTests
{
    public static TheoryData<string> Names => OpenSshKeyFixture.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void PubFile_Parses_FingerprintMatchesSshKeygen(string name)
    {
        OpenSshKeyFixture fixture = OpenSshKeyFixture.Get(name);
        SshPublicKey key = FixtureKeys.PublicKey(fixture);
        Assert.Equal(fixture.Fingerprint, key.Fingerprint);
        string[] parts = fixture.PublicKeyLine.Split(' ');
        Assert.Equal(parts[0], key.KeyType);
        Assert.Equal(parts[0] + " " + parts[1], key.ToOpenSshString());
        Assert.Equal(Convert.FromBase64String(parts[1]), key.Blob.ToArray());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void SshKeygenSignature_Verifies_AndTamperedDoesNot(string name)
    {
        OpenSshKeyFixture fixture = OpenSshKeyFixture.Get(name);
        SshPublicKey key = FixtureKeys.PublicKey(fixture);
        byte[] signatureBlob = Convert.FromBase64String(fixture.SshSigSignatureBase64);
        string algorithm = new SshReader(signatureBlob).ReadAsciiString();
        Assert.Contains(algorithm, key.SignatureAlgorithms);
        byte[] signedData = FixtureKeys.SshSigSignedData(OpenSshKeyFixture.SignedMessage, OpenSshKeyFixture.SshSigNamespace);

        Assert.True(key.VerifySignatureBlob(algorithm, signedData, signatureBlob));

        byte[] otherData = FixtureKeys.SshSigSignedData(OpenSshKeyFixture.SignedMessage + "x", OpenSshKeyFixture.SshSigNamespace);
        Assert.False(key.VerifySignatureBlob(algorithm, otherData, signatureBlob));
        byte[] tampered = (byte[])signatureBlob.Clone();
        tampered[^1] ^= 1;
        Assert.False(key.VerifySignatureBlob(algorithm, signedData, tampered));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void PrivateFields_GiveSamePublicKey_AndWriteBackByteExact(string name)
    {
        OpenSshKeyFixture fixture = OpenSshKeyFixture.Get(name);
        using SshPrivateKey key = FixtureKeys.PrivateKey(fixture);
        Assert.Equal(FixtureKeys.PublicKey(fixture), key.PublicKey);

        var writer = new SshWriter(256);
        try
        {
            ((IOpenSshPrivateKeyFields)key).WriteOpenSshPrivateFields(ref writer);
            Assert.Equal(fixture.PrivateFieldsBase64, Convert.ToBase64String(writer.WrittenSpan));
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task SshKeygenPrivateKey_SignsWhatItsPublicKeyVerifies_ForEveryAlgorithm(string name)
    {
        OpenSshKeyFixture fixture = OpenSshKeyFixture.Get(name);
        using SshPrivateKey key = FixtureKeys.PrivateKey(fixture);
        SshPublicKey publicKey = FixtureKeys.PublicKey(fixture);
        byte[] data = "exchange hash stand-in"u8.ToArray();
        foreach (string algorithm in publicKey.SignatureAlgorithms)
        {
            byte[] blob = await key.SignAsync(algorithm, data);
            var reader = new SshReader(blob);
            Assert.Equal(algorithm, reader.ReadAsciiString());
            reader.ReadStringBytes();
            reader.ReadEnd();
            Assert.True(publicKey.VerifySignatureBlob(algorithm, data, blob));
            Assert.False(publicKey.VerifySignatureBlob(algorithm, [.. data, 0], blob));
        }
    }
}
