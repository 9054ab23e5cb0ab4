using SshTunnel.Client.KnownHosts;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Tests.KeyFiles;

namespace SshTunnel.Tests.KnownHosts;

public class KnownHostsFileTests : IClassFixture<KeyFileFixture>
{
    private readonly KeyFileFixture _keys;

    public KnownHostsFileTests(KeyFileFixture keys) => _keys = keys;

    // Fixed public keys (RFC 8032 §7.1 TEST 1, 2 and 3 public keys), so most tests need no external tool.
    private static readonly SshPublicKey Ed1 = Ed25519("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    private static readonly SshPublicKey Ed2 = Ed25519("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    private static readonly SshPublicKey Ed3 = Ed25519("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025");

    private static SshPublicKey Ed25519(string hex)
    {
        byte[] raw = Convert.FromHexString(hex);
        byte[] blob = [0, 0, 0, 11, .. "ssh-ed25519"u8, 0, 0, 0, 32, .. raw];
        return SshPublicKey.Parse(blob);
    }

    private SshPublicKey Ecdsa256 => PrivateKeyFile.LoadPublicKey(_keys.Generate("kh-ecdsa256", "-t", "ecdsa", "-b", "256", "-N", "") + ".pub");

    private static string Line(string hosts, SshPublicKey key, string? marker = null) =>
        (marker is null ? "" : marker + " ") + hosts + " " + key.ToOpenSshString();

    [Fact]
    public void Check_PlainEntries_MatchNotFoundAndPort()
    {
        var file = KnownHostsFile.Parse(string.Join('\n',
            "# comment line",
            "",
            Line("example.com,192.0.2.1", Ed1) + " a comment",
            Line("[gw.example.com]:2222", Ed2)), "kh");
        Assert.Empty(file.Warnings);
        Assert.Equal(2, file.Entries.Count);
        Assert.Equal("a comment", file.Entries[0].Comment);

        var result = file.Check("example.com", 22, Ed1);
        Assert.Equal(KnownHostsStatus.Match, result.Status);
        Assert.Equal("kh:3", result.Entry!.Location);
        Assert.Equal(KnownHostsStatus.Match, file.Check("EXAMPLE.COM", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.Match, file.Check("192.0.2.1", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("example.com", 2222, Ed1).Status); // a port needs "[host]:port"
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("other.example.com", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.Match, file.Check("gw.example.com", 2222, Ed2).Status);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("gw.example.com", 22, Ed2).Status);
    }

    [Fact]
    public void Check_Wildcards_AndNegation()
    {
        var file = KnownHostsFile.Parse(string.Join('\n',
            Line("*.example.com,!bad.example.com", Ed1),
            Line("host?.lan", Ed1),
            Line("[*.corp]:2200", Ed1)), "kh");
        Assert.Equal(KnownHostsStatus.Match, file.Check("a.example.com", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.Match, file.Check("deep.sub.example.com", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("bad.example.com", 22, Ed1).Status); // negation excludes the line
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("example.com", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.Match, file.Check("host1.lan", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("host12.lan", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.Match, file.Check("build.corp", 2200, Ed1).Status);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("build.corp", 22, Ed1).Status);

        // A negated line that also lists the host is excluded entirely, even with the right key.
        var negated = KnownHostsFile.Parse(Line("bad.example.com,!bad.example.com", Ed1), "kh");
        Assert.Equal(KnownHostsStatus.NotFound, negated.Check("bad.example.com", 22, Ed1).Status);
    }

    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("ABC", "abc", true)]
    [InlineData("abc", "a?c", true)]
    [InlineData("abc", "a?", false)]
    [InlineData("abc", "*", true)]
    [InlineData("", "*", true)]
    [InlineData("abc", "*c", true)]
    [InlineData("abc", "*b", false)]
    [InlineData("a.b.c", "*.*", true)]
    [InlineData("[h]:22", "[h]:2?", true)]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "*a*a*a*a*a*a*a*a*a*a*a*b", false)]
    public void Wildcard_Matching(string text, string pattern, bool expected) =>
        Assert.Equal(expected, HostPattern.MatchesWildcard(text, pattern));

    [Fact]
    public void Check_RevokedWinsOverMatch_InAnyOrder()
    {
        var file = KnownHostsFile.Parse(string.Join('\n',
            Line("example.com", Ed1),
            Line("*", Ed1, "@revoked")), "kh");
        var result = file.Check("example.com", 22, Ed1);
        Assert.Equal(KnownHostsStatus.Revoked, result.Status);
        Assert.Equal(2, result.Entry!.LineNumber);
        Assert.Equal(KnownHostsMarker.Revoked, result.Entry.Marker);
        Assert.Equal(KnownHostsStatus.Changed, file.Check("example.com", 22, Ed2).Status); // the revoked line is not a host key line

        // A revoked key for another host pattern does not apply.
        var other = KnownHostsFile.Parse(string.Join('\n', Line("example.com", Ed1), Line("other.com", Ed1, "@revoked")), "kh");
        Assert.Equal(KnownHostsStatus.Match, other.Check("example.com", 22, Ed1).Status);
    }

    [SshKeygenFact]
    public void Check_ChangedKey_ReportsOffendingLine_AndOtherTypesAreNotFound()
    {
        SshPublicKey ecdsa = Ecdsa256;
        var file = KnownHostsFile.Parse(string.Join('\n',
            Line("unrelated.com", Ed2),
            "# old key below",
            Line("example.com", Ed1),
            Line("example.com", ecdsa)), "/home/u/.ssh/known_hosts");

        var changed = file.Check("example.com", 22, Ed2);
        Assert.Equal(KnownHostsStatus.Changed, changed.Status);
        Assert.Equal(3, changed.Entry!.LineNumber);
        Assert.Single(changed.Offending);
        Assert.Equal("Offending ED25519 key in /home/u/.ssh/known_hosts:3", changed.OffendingKeyMessage);
        Assert.Equal(4, Assert.Single(changed.OtherKeyTypes).LineNumber);

        // Only an ECDSA key is known for this host: a new ED25519 key is not "changed" (OpenSSH: keys of a different type are known).
        var onlyEcdsa = KnownHostsFile.Parse(Line("example.com", ecdsa), "kh");
        var result = onlyEcdsa.Check("example.com", 22, Ed1);
        Assert.Equal(KnownHostsStatus.NotFound, result.Status);
        Assert.Null(result.OffendingKeyMessage);
        Assert.Single(result.OtherKeyTypes);
        Assert.Equal(KnownHostsStatus.Match, onlyEcdsa.Check("example.com", 22, ecdsa).Status);
    }

    [Fact]
    public void Check_CertAuthorityNeverMatchesPlainKey()
    {
        var file = KnownHostsFile.Parse(Line("*.example.com", Ed1, "@cert-authority"), "kh");
        Assert.Equal(KnownHostsMarker.CertAuthority, Assert.Single(file.Entries).Marker);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("a.example.com", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("a.example.com", 22, Ed2).Status);
    }

    [Fact]
    public void Parse_MalformedLines_AreWarningsNotExceptions()
    {
        string good = Line("good.example.com", Ed1);
        string base64 = Ed1.ToOpenSshString().Split(' ')[1];
        var file = KnownHostsFile.Parse(string.Join('\n',
            "bad1.example.com ssh-ed25519 !!!notbase64!!!",           // 1
            "bad2.example.com ssh-ed25519",                           // 2
            "@bogus bad3.example.com " + Ed1.ToOpenSshString(),        // 3
            "bad4.example.com ssh-rsa " + base64,                     // 4: type does not match the blob
            "bad5.example.com ssh-ed25519 " + base64[..20],           // 5: truncated blob (valid base64)
            "|1|notbase64|x " + Ed1.ToOpenSshString(),                 // 6
            "|2|abc|def " + Ed1.ToOpenSshString(),                     // 7
            "a,,b " + Ed1.ToOpenSshString(),                           // 8
            "@revoked",                                               // 9
            "legacy.example.com ssh-dss AAAAB3NzaC1kc3MAAACBAP==",   // 10: unsupported type, skipped silently
            "old.example.com 1024 35 123456789",                      // 11: SSH1 key, skipped silently
            good), "kh");                                             // 12
        Assert.Equal(12, Assert.Single(file.Entries).LineNumber);
        Assert.Equal(9, file.Warnings.Count);
        int[] lines = file.Warnings.Select(w => int.Parse(w.Split(':')[1])).ToArray();
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9], lines);
        Assert.Contains("unknown marker @bogus", file.Warnings[2]);
        Assert.Contains("invalid base64", file.Warnings[0]);
        Assert.Equal(KnownHostsStatus.Match, file.Check("good.example.com", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("bad3.example.com", 22, Ed1).Status);
    }

    [Fact]
    public void Parse_RandomGarbage_NeverThrows()
    {
        var random = new Random(42);
        const string alphabet = "ab*?!,|[]:@# \t1=/+AAAAC3NzaC1lZDI1NTE5";
        string valid = Line("x", Ed1);
        for (int n = 0; n < 300; n++)
        {
            var text = new System.Text.StringBuilder();
            for (int line = 0; line < 5; line++)
            {
                if (random.Next(3) == 0)
                {
                    char[] chars = valid.ToCharArray();
                    chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
                    text.Append(chars).Append('\n');
                    continue;
                }
                int length = random.Next(0, 80);
                for (int i = 0; i < length; i++) text.Append(alphabet[random.Next(alphabet.Length)]);
                text.Append('\n');
            }
            var file = KnownHostsFile.Parse(text.ToString(), "fuzz");
            _ = file.Check("x", 22, Ed1);
        }
    }

    [Fact]
    public void Append_CreatesDirectoryAndFile_ThenChecks()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "new-ssh-dir", "known_hosts");
        KnownHostsFile.Append(path, "Example.com", 22, Ed1);
        KnownHostsFile.Append(path, "gw.example.com", 2222, Ed2);
        KnownHostsFile.Append(path, "hashed.example.com", 2200, Ed1, hashHostName: true);

        string[] lines = File.ReadAllLines(path);
        Assert.Equal("example.com " + Ed1.ToOpenSshString(), lines[0]);
        Assert.Equal("[gw.example.com]:2222 " + Ed2.ToOpenSshString(), lines[1]);
        Assert.StartsWith("|1|", lines[2]);
        Assert.DoesNotContain("hashed", lines[2]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        }

        var file = KnownHostsFile.Load(path);
        Assert.Empty(file.Warnings);
        Assert.Equal(KnownHostsStatus.Match, file.Check("example.com", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.Match, file.Check("gw.example.com", 2222, Ed2).Status);
        Assert.Equal(KnownHostsStatus.Match, file.Check("hashed.example.com", 2200, Ed1).Status);
        Assert.Equal(KnownHostsStatus.Changed, file.Check("hashed.example.com", 2200, Ed2).Status);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("hashed.example.com", 22, Ed1).Status);
    }

    [Fact]
    public void Append_AddsMissingNewline()
    {
        using var directory = new TempDirectory();
        string path = directory.File("known_hosts");
        File.WriteAllText(path, "# no newline at end");
        KnownHostsFile.Append(path, "example.com", 22, Ed1);
        Assert.Equal(["# no newline at end", "example.com " + Ed1.ToOpenSshString()], File.ReadAllLines(path));
    }

    [Fact]
    public void Load_MissingFile_IsEmpty()
    {
        using var directory = new TempDirectory();
        var file = KnownHostsFile.Load(directory.File("nope"));
        Assert.Empty(file.Entries);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("example.com", 22, Ed1).Status);
    }

    [Fact]
    public void CheckAll_CombinesFiles_AsOpenSsh()
    {
        using var directory = new TempDirectory();
        string user = directory.File("known_hosts");
        string system = directory.File("ssh_known_hosts");
        File.WriteAllText(user, Line("example.com", Ed2) + "\n");
        File.WriteAllText(system, Line("example.com", Ed1) + "\n" + Line("revoked.example.com", Ed1, "@revoked") + "\n" + Line("revoked.example.com", Ed1) + "\n");

        // A match in any file wins over a conflicting key in another.
        var result = KnownHostsFile.CheckAll([user, directory.File("missing"), system], "example.com", 22, Ed1);
        Assert.Equal(KnownHostsStatus.Match, result.Status);
        Assert.Equal(system, result.Entry!.Path);

        var changed = KnownHostsFile.CheckAll([user, system], "example.com", 22, Ed3);
        Assert.Equal(KnownHostsStatus.Changed, changed.Status);
        Assert.Equal(2, changed.Offending.Count);
        Assert.Equal(user + ":1", changed.Entry!.Location);

        Assert.Equal(KnownHostsStatus.Revoked, KnownHostsFile.CheckAll([user, system], "revoked.example.com", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.NotFound, KnownHostsFile.CheckAll([directory.File("none")], "example.com", 22, Ed1).Status);
    }

    [Theory]
    [InlineData("Example.COM", 22, "example.com")]
    [InlineData("gw.example.com", 2222, "[gw.example.com]:2222")]
    [InlineData("::1", 22, "::1")]
    [InlineData("::1", 2200, "[::1]:2200")]
    [InlineData("192.0.2.7", 443, "[192.0.2.7]:443")]
    public void FormatHostPattern_AsSsh(string host, int port, string expected) =>
        Assert.Equal(expected, KnownHostsFile.FormatHostPattern(host, port));

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("a,b")]
    [InlineData("!a")]
    [InlineData("@a")]
    [InlineData("|1|x")]
    [InlineData("a\nb")]
    public void FormatHostPattern_RejectsUnwritableHosts(string host) =>
        Assert.ThrowsAny<ArgumentException>(() => KnownHostsFile.FormatHostPattern(host, 22));

    [Fact]
    public void FormatHostPattern_RejectsBadPort()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KnownHostsFile.FormatHostPattern("h", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => KnownHostsFile.FormatHostPattern("h", 65536));
    }

    [SshKeygenFact]
    public void HashedEntries_FromSshKeygenH_Match()
    {
        using var directory = new TempDirectory();
        string path = directory.File("known_hosts");
        File.WriteAllText(path, Line("example.com", Ed1) + "\n" + Line("[gw.example.com]:2222", Ed2) + "\n");
        ExternalTools.Run(ExternalTools.SshKeygen, directory.Path, "-H", "-f", path);

        var file = KnownHostsFile.Load(path);
        Assert.Empty(file.Warnings);
        Assert.All(file.Entries, e => Assert.StartsWith("|1|", e.Hosts));
        Assert.Equal(KnownHostsStatus.Match, file.Check("example.com", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.Match, file.Check("Example.Com", 22, Ed1).Status);
        Assert.Equal(KnownHostsStatus.Changed, file.Check("example.com", 22, Ed2).Status);
        Assert.Equal(KnownHostsStatus.Match, file.Check("gw.example.com", 2222, Ed2).Status);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("gw.example.com", 22, Ed2).Status);
        Assert.Equal(KnownHostsStatus.NotFound, file.Check("example.org", 22, Ed1).Status);
    }

    [SshKeygenFact]
    public void HashedAppend_IsFoundBySshKeygenF()
    {
        using var directory = new TempDirectory();
        string path = directory.File("known_hosts");
        KnownHostsFile.Append(path, "gw.example.com", 2222, Ed2, hashHostName: true);
        KnownHostsFile.Append(path, "example.com", 22, Ed1, hashHostName: true);

        string found = ExternalTools.Run(ExternalTools.SshKeygen, directory.Path, "-F", "[gw.example.com]:2222", "-f", path);
        Assert.Contains(Ed2.ToOpenSshString(), found);
        Assert.DoesNotContain(Ed1.ToOpenSshString(), found);
        found = ExternalTools.Run(ExternalTools.SshKeygen, directory.Path, "-F", "example.com", "-f", path);
        Assert.Contains(Ed1.ToOpenSshString(), found);
    }
}
