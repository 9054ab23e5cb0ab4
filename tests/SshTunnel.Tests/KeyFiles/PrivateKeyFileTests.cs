using System.Text;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;

namespace SshTunnel.Tests.KeyFiles;

public class PrivateKeyFileTests : IClassFixture<KeyFileFixture>
{
    private const string Secret = KeyFileFixture.Passphrase;
    private readonly KeyFileFixture _keys;

    public PrivateKeyFileTests(KeyFileFixture keys) => _keys = keys;

    public static TheoryData<string, string[]> OpenSshKeys => new()
    {
        { "ed25519", ["-t", "ed25519", "-N", ""] },
        { "ecdsa256", ["-t", "ecdsa", "-b", "256", "-N", ""] },
        { "ecdsa384", ["-t", "ecdsa", "-b", "384", "-N", ""] },
        { "ecdsa521", ["-t", "ecdsa", "-b", "521", "-N", ""] },
        { "rsa2048", ["-t", "rsa", "-b", "2048", "-N", ""] },
        { "rsa3072", ["-t", "rsa", "-b", "3072", "-N", ""] },
        { "ed25519-enc", ["-t", "ed25519", "-N", Secret, "-a", "4"] },
        { "ecdsa256-enc", ["-t", "ecdsa", "-b", "256", "-N", Secret, "-a", "4"] },
        { "ecdsa384-enc", ["-t", "ecdsa", "-b", "384", "-N", Secret, "-a", "4"] },
        { "ecdsa521-enc", ["-t", "ecdsa", "-b", "521", "-N", Secret, "-a", "4"] },
        { "rsa2048-enc", ["-t", "rsa", "-b", "2048", "-N", Secret, "-a", "4"] },
        { "rsa3072-enc", ["-t", "rsa", "-b", "3072", "-N", Secret, "-a", "4"] },
        { "ed25519-aes128-ctr", ["-t", "ed25519", "-N", Secret, "-a", "4", "-Z", "aes128-ctr"] },
        { "ed25519-aes192-ctr", ["-t", "ed25519", "-N", Secret, "-a", "4", "-Z", "aes192-ctr"] },
        { "ed25519-aes128-cbc", ["-t", "ed25519", "-N", Secret, "-a", "4", "-Z", "aes128-cbc"] },
        { "ed25519-aes192-cbc", ["-t", "ed25519", "-N", Secret, "-a", "4", "-Z", "aes192-cbc"] },
        { "ed25519-aes256-cbc", ["-t", "ed25519", "-N", Secret, "-a", "4", "-Z", "aes256-cbc"] },
        { "ed25519-aes128-gcm", ["-t", "ed25519", "-N", Secret, "-a", "4", "-Z", "aes128-gcm@openssh.com"] },
        { "ed25519-aes256-gcm", ["-t", "ed25519", "-N", Secret, "-a", "4", "-Z", "aes256-gcm@openssh.com"] },
        { "ed25519-chacha20", ["-t", "ed25519", "-N", Secret, "-a", "4", "-Z", "chacha20-poly1305@openssh.com"] },
        { "rsa2048-chacha20", ["-t", "rsa", "-b", "2048", "-N", Secret, "-a", "4", "-Z", "chacha20-poly1305@openssh.com"] },
        { "ecdsa384-aes256-gcm", ["-t", "ecdsa", "-b", "384", "-N", Secret, "-a", "4", "-Z", "aes256-gcm@openssh.com"] },
        { "rsa2048-aes256-gcm", ["-t", "rsa", "-b", "2048", "-N", Secret, "-a", "4", "-Z", "aes256-gcm@openssh.com"] },
    };

    public static TheoryData<string, string[]> PemKeys => new()
    {
        { "pem-rsa2048", ["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", ""] },
        { "pem-ecdsa256", ["-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", ""] },
        { "pem-ecdsa384", ["-t", "ecdsa", "-b", "384", "-m", "PEM", "-N", ""] },
        { "pem-ecdsa521", ["-t", "ecdsa", "-b", "521", "-m", "PEM", "-N", ""] },
        { "pem-rsa2048-enc", ["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", Secret] },
        { "pem-ecdsa256-enc", ["-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", Secret] },
        { "pem-ecdsa521-enc", ["-t", "ecdsa", "-b", "521", "-m", "PEM", "-N", Secret] },
        { "pkcs8-rsa2048", ["-t", "rsa", "-b", "2048", "-m", "PKCS8", "-N", ""] },
        { "pkcs8-ecdsa256", ["-t", "ecdsa", "-b", "256", "-m", "PKCS8", "-N", ""] },
        { "pkcs8-rsa2048-enc", ["-t", "rsa", "-b", "2048", "-m", "PKCS8", "-N", Secret] },
        { "pkcs8-ecdsa384-enc", ["-t", "ecdsa", "-b", "384", "-m", "PKCS8", "-N", Secret] },
    };

    [SshKeygenTheory]
    [MemberData(nameof(OpenSshKeys))]
    public void Load_OpenSshKey_MatchesPubFileAndComment(string name, string[] arguments)
    {
        string path = _keys.Generate(name, arguments);
        bool encrypted = arguments.Contains(Secret);
        Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----", File.ReadAllText(path));
        AssertLoads(path, encrypted);

        using SshPrivateKey key = PrivateKeyFile.Load(path, () => Secret);
        Assert.Equal("comment-" + name, key.Comment);
    }

    [SshKeygenTheory]
    [MemberData(nameof(PemKeys))]
    public void Load_PemKey_MatchesPubFile(string name, string[] arguments)
    {
        string path = _keys.Generate(name, arguments);
        Assert.DoesNotContain("OPENSSH", File.ReadAllText(path));
        AssertLoads(path, arguments.Contains(Secret));
    }

    private static void AssertLoads(string path, bool encrypted)
    {
        string text = File.ReadAllText(path);
        Assert.Equal(encrypted, PrivateKeyFile.IsEncrypted(text));

        int asked = 0;
        using SshPrivateKey key = PrivateKeyFile.Load(path, () =>
        {
            asked++;
            return Secret;
        });
        Assert.Equal(encrypted ? 1 : 0, asked);
        Assert.Equal(KeyFileFixture.PublicBlob(path), key.PublicKey.Blob.ToArray());
        Assert.Equal(KeyFileFixture.PublicBlob(path), PrivateKeyFile.LoadPublicKey(path + ".pub").Blob.ToArray());
    }

    [SshKeygenTheory]
    [InlineData("ed25519-enc")]
    [InlineData("ed25519-aes256-gcm")]
    [InlineData("ed25519-chacha20")]
    [InlineData("ed25519-aes256-cbc")]
    [InlineData("pem-ecdsa256-enc")]
    [InlineData("pkcs8-rsa2048-enc")]
    public void Load_WrongPassphrase_IsIncorrectPassphrase(string name)
    {
        string path = GenerateByName(name);
        var e = Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.Load(path, () => "not the secret"));
        Assert.Equal(SshKeyFileError.IncorrectPassphrase, e.Error);
        Assert.Equal("incorrect passphrase supplied to decrypt private key", e.Message);
        Assert.Equal(path, e.Path);

        e = Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.Load(path, () => ""));
        Assert.Equal(SshKeyFileError.IncorrectPassphrase, e.Error);
    }

    [SshKeygenTheory]
    [InlineData("ed25519-enc")]
    [InlineData("pem-rsa2048-enc")]
    [InlineData("pkcs8-ecdsa384-enc")]
    public void Load_EncryptedWithoutPassphrase_ReportsRequiredOrCancelled(string name)
    {
        string path = GenerateByName(name);
        Assert.Equal(SshKeyFileError.PassphraseRequired, Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.Load(path)).Error);
        Assert.Equal(SshKeyFileError.PassphraseCancelled, Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.Load(path, () => null)).Error);
    }

    [OpenSslFact]
    public void Load_OpenSslLegacyEncryptedPem_Aes256AndTripleDes()
    {
        string rsa = Path.Combine(_keys.Directory, "openssl-rsa-aes256.pem");
        ExternalTools.Run(ExternalTools.OpenSsl, _keys.Directory, "genrsa", "-traditional", "-aes256", "-passout", "pass:" + Secret, "-out", rsa, "2048");
        Assert.Contains("DEK-Info: AES-256-CBC,", File.ReadAllText(rsa));

        string ecPlain = Path.Combine(_keys.Directory, "openssl-ec-plain.pem");
        string ec = Path.Combine(_keys.Directory, "openssl-ec-des3.pem");
        ExternalTools.Run(ExternalTools.OpenSsl, _keys.Directory, "ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", ecPlain);
        ExternalTools.Run(ExternalTools.OpenSsl, _keys.Directory, "ec", "-in", ecPlain, "-des3", "-passout", "pass:" + Secret, "-out", ec);
        Assert.Contains("DEK-Info: DES-EDE3-CBC,", File.ReadAllText(ec));

        foreach (string path in new[] { rsa, ec })
        {
            string pubLine = ExternalTools.Run(ExternalTools.SshKeygen, _keys.Directory, "-y", "-P", Secret, "-f", path);
            using SshPrivateKey key = PrivateKeyFile.Load(path, () => Secret);
            Assert.Equal(KeyFileFixture.PublicBlobFromLine(pubLine), key.PublicKey.Blob.ToArray());
            Assert.Equal(SshKeyFileError.IncorrectPassphrase,
                Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.Load(path, () => "wrong")).Error);
        }
    }

    [OpenSslFact]
    public void Load_Ed25519Pkcs8FromOpenSsl_MatchesOpenSslPublicKey()
    {
        string path = Path.Combine(_keys.Directory, "openssl-ed25519.pem");
        string pubDer = Path.Combine(_keys.Directory, "openssl-ed25519.pub.der");
        ExternalTools.Run(ExternalTools.OpenSsl, _keys.Directory, "genpkey", "-algorithm", "ed25519", "-out", path);
        ExternalTools.Run(ExternalTools.OpenSsl, _keys.Directory, "pkey", "-in", path, "-pubout", "-outform", "DER", "-out", pubDer);
        byte[] rawPublic = File.ReadAllBytes(pubDer)[^32..];

        using SshPrivateKey key = PrivateKeyFile.Load(path);
        Assert.Equal("ssh-ed25519", key.PublicKey.KeyType);
        Assert.Equal(rawPublic, key.PublicKey.Blob.ToArray()[^32..]);
    }

    [Fact]
    public void EvpBytesToKey_MatchesOpenSslDerivation()
    {
        // "openssl enc -aes-256-cbc -P -md md5 -pass pass:secret -S 0102030405060708" prints this key and IV
        // (EVP_BytesToKey derives them as one 48-byte stream).
        byte[] keyAndIv = new byte[48];
        PemPrivateKeyFile.EvpBytesToKeyMd5("secret"u8, Convert.FromHexString("0102030405060708"), keyAndIv);
        Assert.Equal("C9E5A1BD216DBE1317E230CEF48F38EE7F0E17AD64022144BCCEC4A1AA2879AB" + "E24B32BBBC4EF02ECBCB6576523AD893",
            Convert.ToHexString(keyAndIv));
    }

    [SshKeygenFact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => PrivateKeyFile.Load(Path.Combine(_keys.Directory, "does-not-exist")));
    }

    [Fact]
    public void ParsePublicKey_Garbage_ThrowsKeyFileException()
    {
        Assert.Equal(SshKeyFileError.InvalidFormat, Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.ParsePublicKey("")).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.ParsePublicKey("ssh-ed25519 !!!!")).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.ParsePublicKey("ssh-ed25519")).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.ParsePublicKey("ssh-ed25519 AAAA")).Error);
    }

    private string GenerateByName(string name)
    {
        foreach (var set in new[] { OpenSshKeys, PemKeys })
        {
            foreach (object[] row in set)
            {
                if ((string)row[0] == name) return _keys.Generate(name, (string[])row[1]);
            }
        }
        throw new ArgumentException("unknown key " + name);
    }

    internal static string Armor(byte[] data, string label = "OPENSSH PRIVATE KEY")
    {
        var text = new StringBuilder();
        text.Append("-----BEGIN ").Append(label).Append("-----\n");
        string base64 = Convert.ToBase64String(data);
        for (int i = 0; i < base64.Length; i += 70) text.Append(base64.AsSpan(i, Math.Min(70, base64.Length - i))).Append('\n');
        text.Append("-----END ").Append(label).Append("-----\n");
        return text.ToString();
    }
}
