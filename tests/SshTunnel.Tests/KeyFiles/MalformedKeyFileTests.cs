using System.Text;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Wire;

namespace SshTunnel.Tests.KeyFiles;

/// <summary>Malformed key files must fail with <see cref="SshKeyFileException"/> only, never another exception type.</summary>
public class MalformedKeyFileTests : IClassFixture<KeyFileFixture>
{
    private const string Secret = KeyFileFixture.Passphrase;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("openssh-key-v1\0");
    private readonly KeyFileFixture _keys;

    public MalformedKeyFileTests(KeyFileFixture keys) => _keys = keys;

    /// <summary>The parts of an unencrypted openssh-key-v1 file.</summary>
    private sealed record Parts(byte[] PublicBlob, byte[] Section);

    private static byte[] Decode(string path)
    {
        string text = File.ReadAllText(path);
        string base64 = string.Concat(text.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));
        return Convert.FromBase64String(base64);
    }

    private static Parts Split(byte[] binary)
    {
        var reader = new SshReader(binary.AsSpan(Magic.Length));
        Assert.Equal("none", reader.ReadAsciiString());
        Assert.Equal("none", reader.ReadAsciiString());
        reader.ReadStringBytes();
        Assert.Equal(1u, reader.ReadUInt32());
        byte[] publicBlob = reader.ReadStringBytes().ToArray();
        byte[] section = reader.ReadStringBytes().ToArray();
        return new Parts(publicBlob, section);
    }

    private static byte[] Build(string cipher, string kdf, byte[] kdfOptions, uint count, byte[] publicBlob, byte[] section, byte[]? tag = null)
    {
        var writer = new SshWriter(256);
        writer.WriteBytes(Magic);
        writer.WriteString(cipher);
        writer.WriteString(kdf);
        writer.WriteString(kdfOptions);
        writer.WriteUInt32(count);
        writer.WriteString(publicBlob);
        writer.WriteString(section);
        if (tag is not null) writer.WriteBytes(tag);
        return writer.ToArray();
    }

    private static byte[] BcryptOptions(int saltLength, uint rounds)
    {
        var writer = new SshWriter(256);
        writer.WriteString(new byte[saltLength]);
        writer.WriteUInt32(rounds);
        return writer.ToArray();
    }

    private delegate void SectionBody(ref SshWriter writer);

    private static byte[] Section(uint check1, uint check2, SectionBody body, string comment = "c", int blockSize = 8)
    {
        var writer = new SshWriter(256);
        writer.WriteUInt32(check1);
        writer.WriteUInt32(check2);
        body(ref writer);
        writer.WriteString(comment);
        for (byte pad = 1; writer.Length % blockSize != 0; pad++) writer.WriteByte(pad);
        return writer.ToArray();
    }

    private static SshKeyFileException ParseFails(string text, Func<string?>? provider = null)
    {
        try
        {
            using SshPrivateKey key = PrivateKeyFile.Parse(text, provider);
        }
        catch (SshKeyFileException e)
        {
            return e;
        }
        catch (Exception e)
        {
            Assert.Fail($"expected SshKeyFileException, got {e.GetType().Name}: {e.Message}");
        }
        Assert.Fail("expected SshKeyFileException, the key loaded");
        return null!;
    }

    private static SshKeyFileException ParseFails(byte[] binary, Func<string?>? provider = null) =>
        ParseFails(PrivateKeyFileTests.Armor(binary), provider);

    [SshKeygenTheory]
    [InlineData("ed25519", new[] { "-t", "ed25519", "-N", "" })]
    [InlineData("ecdsa256", new[] { "-t", "ecdsa", "-b", "256", "-N", "" })]
    [InlineData("ed25519-enc", new[] { "-t", "ed25519", "-N", Secret, "-a", "1" })]
    [InlineData("ed25519-gcm", new[] { "-t", "ed25519", "-N", Secret, "-a", "1", "-Z", "aes256-gcm@openssh.com" })]
    public void Truncated_EveryLength_ThrowsKeyFileException(string name, string[] arguments)
    {
        byte[] binary = Decode(_keys.Generate(name, arguments));
        for (int length = 0; length < binary.Length; length++)
        {
            ParseFails(binary[..length], () => Secret);
        }
    }

    [SshKeygenTheory]
    [InlineData("ed25519", new[] { "-t", "ed25519", "-N", "" })]
    [InlineData("ecdsa521", new[] { "-t", "ecdsa", "-b", "521", "-N", "" })]
    [InlineData("rsa2048", new[] { "-t", "rsa", "-b", "2048", "-N", "" })]
    public void FlippedByte_Unencrypted_LoadsSameKeyOrThrowsKeyFileException(string name, string[] arguments)
    {
        string path = _keys.Generate(name, arguments);
        byte[] binary = Decode(path);
        byte[] expected = KeyFileFixture.PublicBlob(path);
        int step = binary.Length > 1000 ? 3 : 1; // bound the RSA run
        for (int i = 0; i < binary.Length; i += step)
        {
            byte[] copy = (byte[])binary.Clone();
            copy[i] ^= 0x41;
            try
            {
                using SshPrivateKey key = PrivateKeyFile.Parse(PrivateKeyFileTests.Armor(copy));
                Assert.Equal(expected, key.PublicKey.Blob.ToArray()); // e.g. a changed comment byte
            }
            catch (SshKeyFileException)
            {
                // expected for everything but comment bytes
            }
        }
    }

    [SshKeygenFact]
    public void FlippedByte_Encrypted_ThrowsKeyFileException()
    {
        foreach (string cipher in new[] { "aes256-ctr", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes256-cbc" })
        {
            string path = _keys.Generate("flip-" + cipher, "-t", "ed25519", "-N", Secret, "-a", "1", "-Z", cipher);
            byte[] binary = Decode(path);
            // Positions from the end: tag/padding, comment, private key, check integers (bounded: one bcrypt run each).
            for (int back = 1; back <= 160; back += 9)
            {
                byte[] copy = (byte[])binary.Clone();
                copy[^back] ^= 0x01;
                try
                {
                    using SshPrivateKey key = PrivateKeyFile.Parse(PrivateKeyFileTests.Armor(copy), () => Secret);
                    // CTR/CBC flips in comment or padding bytes may still give a valid key; it must be the right one.
                    Assert.DoesNotContain("@openssh.com", cipher); // AEAD ciphers detect every flip
                    Assert.Equal(KeyFileFixture.PublicBlob(path), key.PublicKey.Blob.ToArray());
                }
                catch (SshKeyFileException)
                {
                }
            }
        }
    }

    [SshKeygenFact]
    public void CorruptedText_ThrowsKeyFileException()
    {
        string text = File.ReadAllText(_keys.Generate("ed25519", "-t", "ed25519", "-N", ""));
        string[] lines = text.Split('\n');
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(text[..(text.Length / 2)]).Error); // no END line
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(string.Join('\n', lines.Where((_, i) => i != 2))).Error); // a base64 line missing
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(text.Replace(lines[1], lines[1][..^1] + "*", StringComparison.Ordinal)).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(text.Replace(lines[1], lines[1][..^3], StringComparison.Ordinal)).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails("").Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== user").Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails("-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n").Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n").Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails("-----BEGIN -----\nAAAA\n-----END -----\n").Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(new string('A', PemArmor.MaxTextLength + 1)).Error);
    }

    [Fact]
    public void IsEncrypted_Malformed_ThrowsKeyFileException()
    {
        Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.IsEncrypted(""));
        Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.IsEncrypted("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"));
        Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.IsEncrypted(PrivateKeyFileTests.Armor([1, 2, 3], "PUBLIC KEY")));
        Assert.True(PrivateKeyFile.IsEncrypted(PrivateKeyFileTests.Armor([1, 2, 3], "ENCRYPTED PRIVATE KEY")));
        Assert.True(PrivateKeyFile.IsEncrypted(
            "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END EC PRIVATE KEY-----\n"));
    }

    [Fact]
    public void PemGarbage_ThrowsKeyFileException()
    {
        byte[] junk = Encoding.ASCII.GetBytes("this is not DER at all, not even close");
        foreach (string label in new[] { "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY" })
        {
            Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(PrivateKeyFileTests.Armor(junk, label)).Error);
            Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(PrivateKeyFileTests.Armor([0x30, 0x03, 0x02, 0x01, 0x00], label)).Error);
        }
        Assert.Equal(SshKeyFileError.IncorrectPassphrase,
            ParseFails(PrivateKeyFileTests.Armor(junk, "ENCRYPTED PRIVATE KEY"), () => Secret).Error);

        string body = Convert.ToBase64String(new byte[32]);
        string Legacy(string dekInfo) =>
            $"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n{dekInfo}\n\n{body}\n-----END RSA PRIVATE KEY-----\n";
        Assert.Equal(SshKeyFileError.UnsupportedCipher, ParseFails(Legacy("DEK-Info: DES-CBC,0001020304050607"), () => Secret).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Legacy("DEK-Info: AES-128-CBC,XYZ"), () => Secret).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Legacy("DEK-Info: AES-128-CBC,0001"), () => Secret).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Legacy("DEK-Info: AES-128-CBC"), () => Secret).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Legacy("X-Other: 1"), () => Secret).Error);
        // Decrypts to garbage: wrong padding or not DER -> a wrong passphrase.
        Assert.Equal(SshKeyFileError.IncorrectPassphrase,
            ParseFails(Legacy("DEK-Info: AES-128-CBC,000102030405060708090A0B0C0D0E0F"), () => Secret).Error);
    }

    [Fact]
    public void Header_UnsupportedOrInvalidFields()
    {
        byte[] publicBlob = Ed25519Blob();
        byte[] section = Section(7, 7, (ref SshWriter w) => WriteEd25519(ref w));
        byte[] encryptedSection = new byte[32];

        Assert.Equal(SshKeyFileError.UnsupportedCipher, ParseFails(Build("3des-cbc", "bcrypt", BcryptOptions(16, 4), 1, publicBlob, encryptedSection)).Error);
        Assert.Equal("unsupported cipher 3des-cbc",
            ParseFails(Build("3des-cbc", "bcrypt", BcryptOptions(16, 4), 1, publicBlob, encryptedSection)).Message);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("chacha20-poly1305@openssh.com", "bcrypt", BcryptOptions(16, 4), 1, publicBlob, encryptedSection)).Error); // no tag
        Assert.Equal(SshKeyFileError.UnsupportedKdf, ParseFails(Build("aes256-ctr", "scrypt", BcryptOptions(16, 4), 1, publicBlob, encryptedSection)).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("aes256-ctr", "none", [], 1, publicBlob, encryptedSection)).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("none", "bcrypt", BcryptOptions(16, 4), 1, publicBlob, section)).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("none", "none", [], 2, publicBlob, section)).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("none", "none", [], 0, publicBlob, section)).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("none", "none", [], 1, publicBlob, section[..^1])).Error); // not a block multiple
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails([.. Build("none", "none", [], 1, publicBlob, section), 0]).Error); // trailing byte
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("aes256-gcm@openssh.com", "bcrypt", BcryptOptions(16, 4), 1, publicBlob, encryptedSection)).Error); // no tag

        // KDF options: rounds bounded before any work, salt bounded, options must parse exactly.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var e = ParseFails(Build("aes256-ctr", "bcrypt", BcryptOptions(16, 100_000), 1, publicBlob, encryptedSection), () => Secret);
        Assert.Equal(SshKeyFileError.InvalidFormat, e.Error);
        Assert.Contains("rounds", e.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("aes256-ctr", "bcrypt", BcryptOptions(16, 0), 1, publicBlob, encryptedSection), () => Secret).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("aes256-ctr", "bcrypt", BcryptOptions(0, 4), 1, publicBlob, encryptedSection), () => Secret).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("aes256-ctr", "bcrypt", [.. BcryptOptions(16, 4), 0], 1, publicBlob, encryptedSection), () => Secret).Error);
        Assert.Equal(SshKeyFileError.InvalidFormat, ParseFails(Build("aes256-ctr", "bcrypt", [0, 0, 0], 1, publicBlob, encryptedSection), () => Secret).Error);

        // Encrypted garbage: checkints differ -> wrong passphrase (OpenSSH's wording).
        Assert.Equal(SshKeyFileError.IncorrectPassphrase, ParseFails(Build("aes256-ctr", "bcrypt", BcryptOptions(16, 1), 1, publicBlob, encryptedSection), () => Secret).Error);
    }

    [Fact]
    public void PrivateSection_InvalidContents()
    {
        byte[] publicBlob = Ed25519Blob();
        SshKeyFileError Fails(byte[] section, byte[]? blob = null) => ParseFails(Build("none", "none", [], 1, blob ?? publicBlob, section)).Error;

        Assert.Equal(SshKeyFileError.InvalidFormat, Fails(Section(1, 2, (ref SshWriter w) => WriteEd25519(ref w)))); // check integers differ
        Assert.Equal(SshKeyFileError.InvalidFormat, Fails(Section(1, 1, (ref SshWriter w) => WriteEd25519(ref w, publicLength: 31))));
        Assert.Equal(SshKeyFileError.InvalidFormat, Fails(Section(1, 1, (ref SshWriter w) => WriteEd25519(ref w, embedMismatch: true))));
        Assert.Equal(SshKeyFileError.InvalidFormat, Fails(Section(1, 1, (ref SshWriter w) => w.WriteString("ssh-rsa")))); // type differs from the public blob
        Assert.Equal(SshKeyFileError.UnsupportedKeyType, Fails(Section(1, 1, (ref SshWriter w) => w.WriteString("ssh-dss")), TypeOnlyBlob("ssh-dss")));
        Assert.Equal(SshKeyFileError.UnsupportedKeyType,
            Fails(Section(1, 1, (ref SshWriter w) => w.WriteString("ssh-ed25519-cert-v01@openssh.com")), TypeOnlyBlob("ssh-ed25519-cert-v01@openssh.com")));
        Assert.Equal(SshKeyFileError.InvalidFormat, Fails(Section(1, 1, (ref SshWriter w) =>
        {
            w.WriteString("ecdsa-sha2-nistp256");
            w.WriteString("nistp384");
        }), TypeOnlyBlob("ecdsa-sha2-nistp256")));
        Assert.Equal(SshKeyFileError.InvalidFormat, Fails(Section(1, 1, (ref SshWriter w) =>
        {
            w.WriteString("ecdsa-sha2-nistp256");
            w.WriteString("nistp256");
            w.WriteString(new byte[65]); // first byte must be 4
        }), TypeOnlyBlob("ecdsa-sha2-nistp256")));
        Assert.Equal(SshKeyFileError.InvalidFormat, Fails(Section(1, 1, (ref SshWriter w) =>
        {
            w.WriteString("ssh-rsa");
            for (int i = 0; i < 6; i++) w.WriteMPInt(new byte[] { 3 }); // tiny modulus
        }), TypeOnlyBlob("ssh-rsa")));

        // Bad padding byte.
        byte[] section = Section(1, 1, (ref SshWriter w) => WriteEd25519(ref w), comment: "cc");
        Assert.True(section[^1] > 1, "test needs padding");
        section[^1] = 0;
        Assert.Equal(SshKeyFileError.InvalidFormat, Fails(section));
    }

    private static readonly byte[] Ed25519Public = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

    private static byte[] Ed25519Blob()
    {
        var writer = new SshWriter(256);
        writer.WriteString("ssh-ed25519");
        writer.WriteString(Ed25519Public);
        return writer.ToArray();
    }

    private static byte[] TypeOnlyBlob(string type)
    {
        var writer = new SshWriter(256);
        writer.WriteString(type);
        return writer.ToArray();
    }

    // RFC 8032 §7.1 TEST 1 key pair.
    private static void WriteEd25519(ref SshWriter writer, int publicLength = 32, bool embedMismatch = false)
    {
        byte[] seed = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        writer.WriteString("ssh-ed25519");
        writer.WriteString(Ed25519Public.AsSpan(0, publicLength));
        byte[] embedded = [.. seed, .. Ed25519Public];
        if (embedMismatch) embedded[^1] ^= 1;
        writer.WriteString(embedded);
    }

    [Fact]
    public void ValidHandBuiltEd25519_Loads()
    {
        // Guards the builders above: the same section with nothing wrong loads (RFC 8032 TEST 1 key).
        using SshPrivateKey key = PrivateKeyFile.Parse(PrivateKeyFileTests.Armor(
            Build("none", "none", [], 1, Ed25519Blob(), Section(5, 5, (ref SshWriter w) => WriteEd25519(ref w), comment: "rfc8032"))));
        Assert.Equal(Ed25519Blob(), key.PublicKey.Blob.ToArray());
        Assert.Equal("rfc8032", key.Comment);
    }
}
