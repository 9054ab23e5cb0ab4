using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Tests.KeyFiles;
using SshTunnel.Tests.Keys;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of the key parsers: public key blobs and lines, signature blobs, and private key files made by
/// ssh-keygen at test time (openssh-key-v1 plain and encrypted, PEM PKCS#1/SEC1/PKCS#8). Public key blobs may only
/// fail with <see cref="SshProtocolException"/>, key lines with <see cref="FormatException"/>, files with
/// <see cref="SshKeyFileException"/>; signature checks return false and never throw.
/// </summary>
public sealed class KeyFuzzTests(KeyFileFixture keys) : IClassFixture<KeyFileFixture>
{
    private static readonly byte[][] PublicBlobs =
        [.. OpenSshKeyFixture.All.Select(f => Convert.FromBase64String(f.PublicKeyLine.Split(' ')[1]))];

    [Fact]
    public void PublicKeyBlob_Mutated_OnlySshProtocolException()
    {
        (_, int rejected) = FuzzRunner.Run(101, 3000, PublicBlobs, b => SshPublicKey.Parse(b), typeof(SshProtocolException));
        Assert.True(rejected > 0);
    }

    [Fact]
    public void PublicKeyLine_Mutated_OnlyFormatException()
    {
        (_, int rejected) = FuzzRunner.RunText(102, 3000, [.. OpenSshKeyFixture.All.Select(f => f.PublicKeyLine)],
            line => SshPublicKey.ParseOpenSshString(line), typeof(FormatException));
        Assert.True(rejected > 0);
    }

    [Fact]
    public void SignatureBlob_Mutated_VerifiesFalseWithoutThrowing()
    {
        // The ssh-keygen -Y signatures are over an SSHSIG wrapper, not the raw message, so no seed verifies here: the
        // point is that every malformed blob (bad lengths, r/s sizes, trailing bytes, other algorithms) gives false.
        var verifiers = OpenSshKeyFixture.All.Select(f => (Key: SshPublicKey.ParseOpenSshString(f.PublicKeyLine),
            Blob: Convert.FromBase64String(f.SshSigSignatureBase64))).ToArray();
        var mutator = new Mutator(103);
        byte[] data = "exchange hash"u8.ToArray();
        for (int i = 0; i < 3000; i++)
        {
            var (key, blob) = verifiers[i % verifiers.Length];
            byte[] mutated = mutator.Mutate(blob);
            foreach (string algorithm in key.SignatureAlgorithms)
            {
                Assert.False(key.VerifySignatureBlob(algorithm, data, mutated));
            }
        }
    }

    [SshKeygenFact]
    public void OpenSshKeyFile_Binary_Mutated_OnlySshKeyFileException()
    {
        string[] files =
        [
            keys.Generate("ed", "-t", "ed25519", "-N", ""),
            keys.Generate("ec", "-t", "ecdsa", "-b", "256", "-N", ""),
            keys.Generate("rsa", "-t", "rsa", "-b", "1024", "-N", ""),
            keys.Generate("ed-enc", "-t", "ed25519", "-a", "1", "-N", KeyFileFixture.Passphrase),
        ];
        foreach (string file in files) PrivateKeyFile.Load(file, () => KeyFileFixture.Passphrase).Dispose();
        byte[][] seeds = [.. files.Select(f => Unarmor(File.ReadAllText(f)))];
        // No passphrase (the provider cancels): a mutated bcrypt round count must not make an iteration slow.
        (_, int rejected) = FuzzRunner.Run(104, 3000, seeds, (m, s) => m.Mutate(s),
            b => PrivateKeyFile.Parse(Armor("OPENSSH PRIVATE KEY", b), Cancel).Dispose(), seedsMustParse: false, typeof(SshKeyFileException));
        Assert.True(rejected > 0);
    }

    [SshKeygenFact]
    public void OpenSshKeyFile_EncryptedSection_Mutated_IsIncorrectPassphraseOrInvalidFormat()
    {
        // bcrypt_pbkdf with 1 round; only the ciphertext (and its tag) change, so every iteration derives the key.
        string path = keys.Generate("ed-enc-ctr", "-t", "ed25519", "-a", "1", "-Z", "aes256-ctr", "-N", KeyFileFixture.Passphrase);
        byte[] data = Unarmor(File.ReadAllText(path));
        (int start, int end) = EncryptedSection(data);
        (_, int rejected) = FuzzRunner.Run(105, 120, [data], (m, s) => m.MutateRegion(s, start, end), b =>
        {
            try
            {
                PrivateKeyFile.Parse(Armor("OPENSSH PRIVATE KEY", b), () => KeyFileFixture.Passphrase).Dispose();
            }
            catch (SshKeyFileException e) when (e.Error is not (SshKeyFileError.IncorrectPassphrase or SshKeyFileError.InvalidFormat))
            {
                Assert.Fail("unexpected error kind " + e.Error);
            }
        }, typeof(SshKeyFileException));
        Assert.True(rejected > 0);
    }

    [SshKeygenFact]
    public void KeyFileText_Mutated_OnlySshKeyFileException()
    {
        string[] texts =
        [
            File.ReadAllText(keys.Generate("ed", "-t", "ed25519", "-N", "")),
            File.ReadAllText(keys.Generate("ec-pem", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "")),
            File.ReadAllText(keys.Generate("rsa-pem", "-t", "rsa", "-b", "1024", "-m", "PEM", "-N", "")),
            File.ReadAllText(keys.Generate("rsa-pem-enc", "-t", "rsa", "-b", "1024", "-m", "PEM", "-N", KeyFileFixture.Passphrase)),
        ];
        (_, int rejected) = FuzzRunner.RunText(106, 2000, texts, text => PrivateKeyFile.Parse(text, Cancel).Dispose(), seedsMustParse: false, typeof(SshKeyFileException));
        Assert.True(rejected > 0);
    }

    [SshKeygenFact]
    public void PemDer_Mutated_OnlySshKeyFileException()
    {
        var sources = new (string Label, string Path)[]
        {
            ("EC PRIVATE KEY", keys.Generate("ec-pem", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "")),
            ("RSA PRIVATE KEY", keys.Generate("rsa-pem", "-t", "rsa", "-b", "1024", "-m", "PEM", "-N", "")),
            ("PRIVATE KEY", keys.Generate("ec-pkcs8", "-t", "ecdsa", "-b", "384", "-m", "PKCS8", "-N", "")),
            ("PRIVATE KEY", keys.Generate("rsa-pkcs8", "-t", "rsa", "-b", "1024", "-m", "PKCS8", "-N", "")),
        };
        foreach (var (label, path) in sources)
        {
            Assert.StartsWith("-----BEGIN " + label + "-----", File.ReadAllText(path), StringComparison.Ordinal);
        }
        // Each seed is the index of its label, then the DER; only the DER is mutated.
        byte[][] seeds = [.. sources.Select((s, i) => (byte[])[(byte)i, .. Unarmor(File.ReadAllText(s.Path))])];
        (_, int rejected) = FuzzRunner.Run(107, 2000, seeds, (m, s) => [s[0], .. m.Mutate(s.AsSpan(1))],
            b => PrivateKeyFile.Parse(Armor(sources[b[0]].Label, b[1..]), Cancel).Dispose(), typeof(SshKeyFileException));
        Assert.True(rejected > 0);
    }

    [SshKeygenFact]
    public void PublicKeyFile_Mutated_OnlySshKeyFileException()
    {
        string[] texts =
        [
            File.ReadAllText(keys.Generate("ed", "-t", "ed25519", "-N", "") + ".pub"),
            File.ReadAllText(keys.Generate("rsa", "-t", "rsa", "-b", "1024", "-N", "") + ".pub"),
            File.ReadAllText(keys.Generate("ec", "-t", "ecdsa", "-b", "256", "-N", "") + ".pub"),
        ];
        (_, int rejected) = FuzzRunner.RunText(108, 3000, texts, text => PrivateKeyFile.ParsePublicKey(text), typeof(SshKeyFileException));
        Assert.True(rejected > 0);
    }

    [SshKeygenFact]
    public void Load_FromPipe_IsReadWithoutSeeking()
    {
        // A key given as a FIFO or /dev/stdin (ssh -i <(...)) has no length: reading must not depend on seeking.
        string key = keys.Generate("ed", "-t", "ed25519", "-N", "");
        string fifo = Path.Combine(keys.Directory, "fifo-" + Environment.ProcessId);
        ExternalTools.Run("/usr/bin/mkfifo", keys.Directory, fifo);
        try
        {
            Task writer = Task.Run(() => File.WriteAllText(fifo, File.ReadAllText(key)));
            using SshPrivateKey loaded = PrivateKeyFile.Load(fifo);
            Assert.Equal(SshPublicKey.ParseOpenSshString(File.ReadAllText(key + ".pub")), loaded.PublicKey);
            Assert.True(writer.Wait(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [Fact]
    public void RsaPrimesLongerThanTheModulus_AreRefusedBeforeMultiplying()
    {
        // p and q each far longer than n: refused as invalid without the quadratic multiplication of two huge numbers.
        byte[] n = new byte[128];
        n[0] = 0xC1;
        n[^1] = 1;
        byte[] huge = new byte[200_000];
        huge[0] = 1;
        huge[^1] = 1;
        var e = Assert.Throws<SshKeyFileException>(() => KeyMaterial.CreateRsa(n, [1, 0, 1], n, n, huge, huge, ""));
        Assert.Equal(SshKeyFileError.InvalidFormat, e.Error);
        Assert.Contains("RSA key component longer than the modulus", e.Message, StringComparison.Ordinal); // the length check, before any multiplication
    }

    private static string? Cancel() => null;

    private static byte[] Unarmor(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Convert.FromBase64String(string.Concat(lines.Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
    }

    private static string Armor(string label, byte[] data) =>
        $"-----BEGIN {label}-----\n{Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks)}\n-----END {label}-----\n";

    /// <summary>Offsets of the encrypted private section and its tag in an openssh-key-v1 blob.</summary>
    private static (int Start, int End) EncryptedSection(byte[] data)
    {
        const int MagicLength = 15; // "openssh-key-v1\0"
        var reader = new SshReader(data.AsSpan(MagicLength));
        reader.ReadStringBytes(); // cipher
        reader.ReadStringBytes(); // kdf
        reader.ReadStringBytes(); // kdf options
        reader.ReadUInt32(); // number of keys
        reader.ReadStringBytes(); // public key
        reader.ReadUInt32(); // section length
        return (MagicLength + reader.Position, data.Length);
    }
}
