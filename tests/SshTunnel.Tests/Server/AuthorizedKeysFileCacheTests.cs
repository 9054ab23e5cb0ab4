using System.Net;
using System.Text;
using SshTunnel.Keys;
using SshTunnel.Server.Policy;

namespace SshTunnel.Tests.Server;

public sealed class AuthorizedKeysFileCacheTests : IDisposable
{
    private static readonly IPAddress s_client = IPAddress.Loopback;
    private readonly string _dir = Directory.CreateTempSubdirectory("akcache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (string Line, byte[] Blob) NewKey()
    {
        using Ed25519PrivateKey key = Ed25519PrivateKey.Generate();
        return (key.PublicKey.ToOpenSshString() + " test", key.PublicKey.Blob.ToArray());
    }

    private static bool Authorizes(AuthorizedKeysFile file, byte[] blob) => file.FindMatch(blob, s_client, null, DateTimeOffset.UtcNow, out _) is not null;

    [Fact]
    public void Unchanged_file_is_parsed_once_and_shared()
    {
        (string line, byte[] blob) = NewKey();
        string path = Path.Combine(_dir, "authorized_keys");
        File.WriteAllText(path, line + "\n");
        var cache = new AuthorizedKeysFileCache();

        AuthorizedKeysFile first = cache.Load(path);
        AuthorizedKeysFile second = cache.Load(path);

        Assert.Same(first, second);
        Assert.Equal(1, cache.ParseCount);
        Assert.True(Authorizes(second, blob));
    }

    [Fact]
    public void An_edit_of_the_same_size_applies_to_the_next_load()
    {
        // Two ed25519 lines have the same length: a size (or coarse mtime) check would miss this replacement.
        (string oldLine, byte[] oldBlob) = NewKey();
        (string newLine, byte[] newBlob) = NewKey();
        Assert.Equal(oldLine.Length, newLine.Length);
        string path = Path.Combine(_dir, "authorized_keys");
        File.WriteAllText(path, oldLine + "\n");
        DateTime written = File.GetLastWriteTimeUtc(path);
        var cache = new AuthorizedKeysFileCache();
        Assert.True(Authorizes(cache.Load(path), oldBlob));

        File.WriteAllText(path, newLine + "\n");
        File.SetLastWriteTimeUtc(path, written);
        AuthorizedKeysFile after = cache.Load(path);

        Assert.False(Authorizes(after, oldBlob)); // revoked at once
        Assert.True(Authorizes(after, newBlob));
        Assert.Equal(2, cache.ParseCount);
    }

    [Fact]
    public void A_removed_file_throws_even_when_it_was_cached()
    {
        (string line, _) = NewKey();
        string path = Path.Combine(_dir, "authorized_keys");
        File.WriteAllText(path, line + "\n");
        var cache = new AuthorizedKeysFileCache();
        cache.Load(path);
        File.Delete(path);

        Assert.Throws<FileNotFoundException>(() => cache.Load(path));
        Assert.Throws<DirectoryNotFoundException>(() => cache.Load(Path.Combine(_dir, "missing", "authorized_keys")));
    }

    [Fact]
    public void Malformed_content_gives_warnings_not_exceptions()
    {
        string path = Path.Combine(_dir, "authorized_keys");
        File.WriteAllBytes(path, [0xFF, 0xFE, 0x00, (byte)'\n', (byte)'s', (byte)'s', (byte)'h', (byte)'-', (byte)'e', (byte)'d', (byte)' ', (byte)'!', (byte)'\n']);
        var cache = new AuthorizedKeysFileCache();

        AuthorizedKeysFile file = cache.Load(path);

        Assert.Empty(file.Entries);
        Assert.NotEmpty(file.Warnings);
    }

    [Theory]
    [InlineData("utf-8-bom")]
    [InlineData("utf-16le-bom")]
    [InlineData("utf-8")]
    public void Text_is_decoded_as_File_ReadAllText_decodes_it(string encoding)
    {
        (string line, byte[] blob) = NewKey();
        string path = Path.Combine(_dir, "authorized_keys");
        Encoding enc = encoding switch
        {
            "utf-8-bom" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: true),
            "utf-16le-bom" => new UnicodeEncoding(bigEndian: false, byteOrderMark: true),
            _ => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        };
        File.WriteAllText(path, "# é\n" + line + "\n", enc);

        AuthorizedKeysFile cached = new AuthorizedKeysFileCache().Load(path);
        AuthorizedKeysFile direct = AuthorizedKeysFile.Load(path);

        Assert.True(Authorizes(cached, blob));
        Assert.Equal(direct.Entries.Count, cached.Entries.Count);
        Assert.Equal(direct.Warnings, cached.Warnings);
    }
}
