using System.Net;
using SshTunnel.Server.Policy;

namespace SshTunnel.Tests.ServerPolicy;

public class AuthorizedKeysFileTests
{
    // Produced by ssh-keygen -t ed25519 / -t ecdsa (OpenSSH 9.2).
    private const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL7S4zB23hK6a6T+quiOT1v2lxfIf/YKEpnLRZuBDMPf";
    private const string Ecdsa = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAR3S3wYvXhMyr5JLZM71myMO0hZqK2EF5VGX+h5IBj00AAZT7b4zZs1K8xN0SUH7EBkNmvq+4LaVJLRs0ypvK0=";

    private static readonly byte[] s_edBlob = Convert.FromBase64String(Ed25519.Split(' ')[1]);
    private static readonly byte[] s_ecBlob = Convert.FromBase64String(Ecdsa.Split(' ')[1]);
    private static readonly IPAddress s_client = IPAddress.Parse("192.0.2.7");
    private static readonly DateTimeOffset s_now = new(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Plain_lines_comments_and_blank_lines()
    {
        var file = AuthorizedKeysFile.Parse($"# comment\n\n  {Ed25519} alice@test\r\n{Ecdsa}\n", "ak");
        Assert.Empty(file.Warnings);
        Assert.Equal(2, file.Entries.Count);
        Assert.Equal("ssh-ed25519", file.Entries[0].KeyType);
        Assert.Equal("alice@test", file.Entries[0].Comment);
        Assert.Equal(3, file.Entries[0].LineNumber);
        Assert.Equal("ak:3", file.Entries[0].Location);
        Assert.True(file.Entries[0].Matches(s_edBlob));
        Assert.False(file.Entries[0].Matches(s_ecBlob));
        Assert.True(file.Entries[0].Options.PermitPortForwarding);
        Assert.Same(file.Entries[1], file.FindMatch(s_ecBlob, s_client, null, s_now, out _));
    }

    [Fact]
    public void Options_are_parsed()
    {
        string line = "restrict,port-forwarding,permitopen=\"db.internal:5432\",permitopen=\"[::1]:*\",permitlisten=\"8080\"," +
            "permitlisten=\"localhost:9000\",from=\"10.0.0.0/8,!10.9.0.0/16\",command=\"echo \\\"hi\\\"\",environment=\"A=b c\"," +
            "no-pty,no-agent-forwarding,no-X11-forwarding,no-user-rc,principals=\"x\",expiry-time=\"20300102Z\" " + Ed25519 + " c o m";
        var file = AuthorizedKeysFile.Parse(line, "ak");
        Assert.Empty(file.Warnings);
        AuthorizedKeyEntry e = Assert.Single(file.Entries);
        AuthorizedKeyOptions o = e.Options;
        Assert.True(o.Restrict);
        Assert.True(o.PermitPortForwarding);
        Assert.False(o.PermitPty);
        Assert.False(o.PermitAgentForwarding);
        Assert.False(o.PermitX11Forwarding);
        Assert.False(o.PermitUserRc);
        Assert.Equal([new PermitRule("db.internal", 5432), new PermitRule("::1", PermitRule.AnyPort)], o.PermitOpen);
        Assert.Equal([new PermitRule("*", 8080), new PermitRule("localhost", 9000)], o.PermitListen);
        Assert.Equal("10.0.0.0/8,!10.9.0.0/16", o.From);
        Assert.Equal("echo \"hi\"", o.Command);
        Assert.Equal(["A=b c"], o.Environment);
        Assert.Equal("x", o.Principals);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 0, 0, 0, TimeSpan.Zero), o.ExpiryTime);
        Assert.Equal("c o m", e.Comment);
    }

    [Theory]
    [InlineData("restrict", false)]
    [InlineData("no-port-forwarding", false)]
    [InlineData("restrict,port-forwarding", true)]
    [InlineData("no-port-forwarding,port-forwarding", true)]
    [InlineData("port-forwarding,restrict", false)]
    [InlineData("NO-PORT-FORWARDING", false)]
    [InlineData("no-pty", true)]
    public void Port_forwarding_flag(string options, bool expected) =>
        Assert.Equal(expected, AuthorizedKeyOptions.Parse(options).PermitPortForwarding);

    [Theory]
    [InlineData("foo", "unknown key option")]
    [InlineData("restrictx", "unknown key option")]
    [InlineData("from=10.0.0.1", "missing start quote")]
    [InlineData("command=\"abc", "missing end quote")]
    [InlineData("restrict,", "unexpected end-of-options")]
    [InlineData("expiry-time=\"2030\"", "invalid expires time")]
    [InlineData("expiry-time=\"20301301\"", "invalid expires time")]
    [InlineData("expiry-time=\"2030010125\"", "invalid expires time")]
    [InlineData("permitopen=\"host\"", "invalid permission port")]
    [InlineData("permitopen=\"host:0\"", "invalid permission port")]
    [InlineData("permitopen=\"host:70000\"", "invalid permission port")]
    [InlineData("permitopen=\"[::1:22\"", "invalid permission hostname")]
    [InlineData("permitlisten=\"host:x y\"", "invalid permission port")]
    [InlineData("environment=\"NOEQUALS\"", "invalid environment string")]
    [InlineData("environment=\"BAD-NAME=1\"", "invalid environment string")]
    [InlineData("from=\"a\",from=\"b\"", "multiple \"from\" clauses")]
    [InlineData("command=\"a\",command=\"b\"", "multiple \"command\" clauses")]
    public void Bad_options_are_skipped_with_a_warning(string options, string reason)
    {
        Assert.Equal(reason, Assert.Throws<FormatException>(() => AuthorizedKeyOptions.Parse(options)).Message);
        var file = AuthorizedKeysFile.Parse("\n" + options + " " + Ed25519 + "\n" + Ecdsa, "ak");
        Assert.Single(file.Entries);
        PolicyFileWarning w = Assert.Single(file.Warnings);
        Assert.Equal(2, w.LineNumber);
        // An unterminated quote is caught earlier, while finding where the options end (sshkey_advance_past_options).
        Assert.Equal(reason == "missing end quote" ? "invalid key option string" : "bad key options: " + reason, w.Reason);
    }

    [Theory]
    [InlineData("ssh-ed25519", "no key found")]
    [InlineData("ssh-ed25519 AAAA", "no valid key found after options")] // base64 of too few bytes
    [InlineData("ssh-ed25519 !!!notbase64", "no valid key found after options")]
    [InlineData("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIL7S4zB23hK6a6T+quiOT1v2lxfIf/YKEpnLRZuBDMPf", "no valid key found after options")] // type mismatch
    [InlineData("command=\"unterminated ssh-ed25519 AAAA", "invalid key option string")]
    [InlineData("justoneword", "no key found")]
    public void Malformed_key_lines_are_skipped(string line, string reason)
    {
        var file = AuthorizedKeysFile.Parse(line, "ak");
        Assert.Empty(file.Entries);
        Assert.Equal(reason, Assert.Single(file.Warnings).Reason);
    }

    [Fact]
    public void Random_garbage_never_throws()
    {
        var random = new Random(1234);
        const string alphabet = "ab=,\"\\ \t#!*?:/[]0123456789AAAAC3NzaC1lZDI1NTE5ssh-ed25519\n";
        for (int n = 0; n < 300; n++)
        {
            char[] chars = new char[random.Next(0, 200)];
            for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
            AuthorizedKeysFile.Parse(new string(chars), "fuzz");
        }
    }

    [Fact]
    public void Cert_authority_entry_never_matches_a_plain_key()
    {
        var file = AuthorizedKeysFile.Parse("cert-authority " + Ed25519, "ak");
        Assert.Null(file.FindMatch(s_edBlob, s_client, null, s_now, out string reason));
        Assert.Equal("no matching key", reason);
    }

    [Fact]
    public void Principals_on_a_plain_key_denies()
    {
        var file = AuthorizedKeysFile.Parse("principals=\"bob\" " + Ed25519, "ak");
        Assert.Null(file.FindMatch(s_edBlob, s_client, null, s_now, out string reason));
        Assert.Equal("ak:1: principals on non-CA key", reason);
    }

    [Theory]
    [InlineData("192.0.2.0/24", "192.0.2.7", true)]
    [InlineData("192.0.2.0/24", "198.51.100.1", false)]
    [InlineData("*,!192.0.2.7", "192.0.2.7", false)]
    [InlineData("*,!192.0.2.7", "192.0.2.8", true)]
    [InlineData("192.0.2.?", "192.0.2.7", true)]
    [InlineData("::1/128", "::1", true)]
    [InlineData("::1/128", "127.0.0.1", false)]
    [InlineData("127.0.0.0/8", "::ffff:127.0.0.1", true)] // IPv4-mapped peers are matched as IPv4
    public void From_restricts_by_address(string from, string address, bool allowed)
    {
        var file = AuthorizedKeysFile.Parse($"from=\"{from}\" {Ed25519}", "ak");
        AuthorizedKeyEntry? entry = file.FindMatch(s_edBlob, IPAddress.Parse(address), null, s_now, out string reason);
        Assert.Equal(allowed, entry is not null);
        if (!allowed) Assert.StartsWith("ak:1: key not permitted from this host", reason);
    }

    [Fact]
    public void From_matches_host_names_and_invalid_cidr_denies()
    {
        var byName = AuthorizedKeysFile.Parse($"from=\"*.example.com\" {Ed25519}", "ak");
        Assert.NotNull(byName.FindMatch(s_edBlob, s_client, "GW.Example.com", s_now, out _));
        Assert.Null(byName.FindMatch(s_edBlob, s_client, null, s_now, out _));
        var invalid = AuthorizedKeysFile.Parse($"from=\"10.0.0.1/8\" {Ed25519}", "ak");
        Assert.Null(invalid.FindMatch(s_edBlob, IPAddress.Parse("10.0.0.1"), null, s_now, out string reason));
        Assert.StartsWith("ak:1: invalid from criteria", reason);
    }

    [Fact]
    public void Expiry_time()
    {
        var file = AuthorizedKeysFile.Parse($"expiry-time=\"203006011200Z\" {Ed25519}", "ak");
        Assert.NotNull(file.FindMatch(s_edBlob, s_client, null, s_now, out _));
        Assert.NotNull(file.FindMatch(s_edBlob, s_client, null, s_now.AddSeconds(-1), out _));
        Assert.Null(file.FindMatch(s_edBlob, s_client, null, s_now.AddSeconds(1), out string reason));
        Assert.StartsWith("ak:1: entry expired at", reason);
    }

    [Fact]
    public void Expiry_time_local_zone_and_earliest_wins()
    {
        var plus2 = TimeZoneInfo.CreateCustomTimeZone("plus2", TimeSpan.FromHours(2), "plus2", "plus2");
        var o = AuthorizedKeyOptions.Parse("expiry-time=\"20300601120000\",expiry-time=\"20300701UTC\"", plus2);
        Assert.Equal(new DateTimeOffset(2030, 6, 1, 10, 0, 0, TimeSpan.Zero), o.ExpiryTime!.Value.ToUniversalTime());
    }

    [Fact]
    public void A_refusing_line_does_not_stop_the_scan()
    {
        string text = $"from=\"198.51.100.0/24\" {Ed25519}\nno-port-forwarding {Ed25519}";
        var file = AuthorizedKeysFile.Parse(text, "ak");
        AuthorizedKeyEntry? entry = file.FindMatch(s_edBlob, s_client, null, s_now, out _);
        Assert.NotNull(entry);
        Assert.Equal(2, entry.LineNumber);
        Assert.False(entry.Options.PermitPortForwarding);
    }
}
