using System.Buffers.Binary;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;

namespace SshTunnel.Tests.KeyFiles;

public class FormatOpenSshTests : IClassFixture<KeyFileFixture>
{
    private readonly KeyFileFixture _keys;

    public FormatOpenSshTests(KeyFileFixture keys) => _keys = keys;

    [SshKeygenTheory]
    [InlineData("ed25519", new[] { "-t", "ed25519", "-N", "" })]
    [InlineData("ecdsa256", new[] { "-t", "ecdsa", "-b", "256", "-N", "" })]
    [InlineData("ecdsa384", new[] { "-t", "ecdsa", "-b", "384", "-N", "" })]
    [InlineData("ecdsa521", new[] { "-t", "ecdsa", "-b", "521", "-N", "" })]
    [InlineData("rsa2048", new[] { "-t", "rsa", "-b", "2048", "-N", "" })]
    public void FormatUnencrypted_IsByteExactWithSshKeygen(string name, string[] arguments)
    {
        string path = _keys.Generate(name, arguments);
        string original = File.ReadAllText(path);
        using SshPrivateKey key = PrivateKeyFile.Load(path);

        // ssh-keygen's check integer is random; reuse it and the output must be identical.
        string base64 = string.Concat(original.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));
        byte[] binary = Convert.FromBase64String(base64);
        int sectionStart = binary.Length - FindSectionLength(binary);
        uint checkInt = BinaryPrimitives.ReadUInt32BigEndian(binary.AsSpan(sectionStart));

        Assert.Equal(original, OpenSshPrivateKeyFile.FormatUnencrypted(key, key.Comment, checkInt));
    }

    [SshKeygenFact]
    public void FormatOpenSshUnencrypted_IsReadBySshKeygenAndByUs()
    {
        string path = _keys.Generate("ecdsa384", "-t", "ecdsa", "-b", "384", "-N", "");
        using SshPrivateKey key = PrivateKeyFile.Load(path);
        string text = PrivateKeyFile.FormatOpenSshUnencrypted(key, "host key of test");

        string written = Path.Combine(_keys.Directory, "formatted-host-key");
        File.WriteAllText(written, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(written, UnixFileMode.UserRead | UnixFileMode.UserWrite); // ssh-keygen refuses group/world-readable keys
        string pubLine = ExternalTools.Run(ExternalTools.SshKeygen, _keys.Directory, "-y", "-f", written);
        Assert.Equal(KeyFileFixture.PublicBlob(path), KeyFileFixture.PublicBlobFromLine(pubLine));

        using SshPrivateKey again = PrivateKeyFile.Parse(text);
        Assert.Equal(key.PublicKey, again.PublicKey);
        Assert.Equal("host key of test", again.Comment);
        Assert.False(PrivateKeyFile.IsEncrypted(text));
    }

    // The private section is the last string of the file (unencrypted: no tag follows); find its length by walking the header.
    private static int FindSectionLength(byte[] binary)
    {
        int offset = "openssh-key-v1\0".Length;
        for (int i = 0; i < 3; i++) offset += 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(binary.AsSpan(offset)); // cipher, kdf, options
        offset += 4; // N
        offset += 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(binary.AsSpan(offset)); // public key
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(binary.AsSpan(offset));
        Assert.Equal(binary.Length, offset + 4 + length);
        return length;
    }
}
