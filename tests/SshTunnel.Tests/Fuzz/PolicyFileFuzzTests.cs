using System.Net;
using SshTunnel.Client.KnownHosts;
using SshTunnel.Keys;
using SshTunnel.Server.Policy;
using SshTunnel.Tests.Keys;

namespace SshTunnel.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of the line-oriented files a user or admin edits: known_hosts and authorized_keys (bad lines become
/// warnings, never exceptions) and authorized_keys options (<see cref="FormatException"/> only); lookups over whatever
/// was accepted must not throw either.
/// </summary>
public sealed class PolicyFileFuzzTests
{
    private static readonly string Ed25519Line = OpenSshKeyFixture.Get("Ed25519").PublicKeyLine;
    private static readonly string EcdsaLine = OpenSshKeyFixture.Get("Ecdsa256").PublicKeyLine;
    private static readonly SshPublicKey Ed25519Key = SshPublicKey.ParseOpenSshString(Ed25519Line);

    private static readonly string KnownHosts = string.Join('\n',
        "# comment",
        "server1,192.0.2.1 " + Ed25519Line,
        "[gateway.example]:2222,*.example.org,!bad.example.org " + EcdsaLine,
        "|1|JfKTdBh7rNbXkVAQCRp4OQoPfmI=|USECr3SWf1JUPsms5AqfD5QfxkM= " + Ed25519Line,
        "@revoked revoked.example " + EcdsaLine,
        "@cert-authority *.example.com " + Ed25519Line,
        "");

    private static readonly string AuthorizedKeys = string.Join('\n',
        Ed25519Line + " alice@laptop",
        "restrict,port-forwarding,permitopen=\"db:5432\",permitopen=\"[::1]:*\",permitlisten=\"localhost:8080\" " + EcdsaLine,
        "from=\"10.0.0.0/8,!10.9.0.0/16,*.example.com\",expiry-time=\"20991231\",no-pty " + Ed25519Line + " x",
        "command=\"echo \\\"hi\\\"\",environment=\"A=b c\",principals=\"p\",tunnel=\"1:any\" " + EcdsaLine,
        "");

    private const string OptionsSeed =
        "restrict,port-forwarding,permitopen=\"db.internal:5432\",permitlisten=\"8080\",from=\"10.0.0.0/8,!10.9.0.0/16\"," +
        "command=\"echo \\\"hi\\\"\",environment=\"A=b\",no-pty,no-agent-forwarding,expiry-time=\"20300102Z\",tunnel=\"0\"";

    [Fact]
    public void KnownHosts_Mutated_NeverThrows_AndLookupsWork()
    {
        (int accepted, int rejected) = FuzzRunner.RunText(201, 3000, [KnownHosts], text =>
        {
            KnownHostsFile file = KnownHostsFile.Parse(text, "known_hosts");
            file.Check("server1", 22, Ed25519Key);
            file.Check("gateway.example", 2222, Ed25519Key);
            file.Check("a.example.org", 65535, Ed25519Key);
        });
        Assert.Equal(0, rejected);
        Assert.True(accepted > 100, $"only {accepted} inputs in the time budget");
    }

    [Fact]
    public void AuthorizedKeys_Mutated_NeverThrows_AndMatchingWorks()
    {
        TimeZoneInfo newYork = TimeZoneInfo.CreateCustomTimeZone("UTC-5", TimeSpan.FromHours(-5), "UTC-5", "UTC-5");
        byte[] blob = Ed25519Key.Blob.ToArray();
        DateTimeOffset now = new(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);
        (int accepted, int rejected) = FuzzRunner.RunText(202, 3000, [AuthorizedKeys], text =>
        {
            AuthorizedKeysFile file = AuthorizedKeysFile.Parse(text, "authorized_keys", newYork);
            file.FindMatch(blob, IPAddress.Parse("10.1.2.3"), "host.example.com", now, out _);
            file.FindMatch(blob, IPAddress.IPv6Loopback, null, now, out _);
            foreach (AuthorizedKeyEntry entry in file.Entries)
            {
                var policy = new ForwardingPolicy(new ForwardingSettings(), entry.Options);
                policy.CanOpenDirectTcpip("db", 5432, out _);
                policy.CanListen("localhost", 8080, out _);
                policy.ResolveBindAddresses("localhost");
            }
        });
        Assert.Equal(0, rejected);
        Assert.True(accepted > 100, $"only {accepted} inputs in the time budget");
    }

    [Fact]
    public void AuthorizedKeyOptions_Mutated_OnlyFormatException()
    {
        TimeZoneInfo east = TimeZoneInfo.CreateCustomTimeZone("UTC+14", TimeSpan.FromHours(14), "UTC+14", "UTC+14");
        TimeZoneInfo west = TimeZoneInfo.CreateCustomTimeZone("UTC-12", TimeSpan.FromHours(-12), "UTC-12", "UTC-12");
        (_, int rejected) = FuzzRunner.RunText(203, 3000, [OptionsSeed], text =>
        {
            AuthorizedKeyOptions.Parse(text, east);
            AuthorizedKeyOptions.Parse(text, west);
        }, typeof(FormatException));
        Assert.True(rejected > 0);
    }

    [Theory]
    [InlineData("expiry-time=\"99991231235959\"")]
    [InlineData("expiry-time=\"99991231\"")]
    [InlineData("expiry-time=\"197001010000\"")]
    public void ExpiryTime_AtTheEdgesOfTheCalendar_IsAValueOrAFormatError(string option)
    {
        // A wall time near year 9999 in a zone west of UTC is past DateTimeOffset's range in UTC.
        TimeZoneInfo west = TimeZoneInfo.CreateCustomTimeZone("UTC-12", TimeSpan.FromHours(-12), "UTC-12", "UTC-12");
        TimeZoneInfo east = TimeZoneInfo.CreateCustomTimeZone("UTC+14", TimeSpan.FromHours(14), "UTC+14", "UTC+14");
        foreach (TimeZoneInfo zone in new[] { west, east })
        {
            try
            {
                AuthorizedKeyOptions options = AuthorizedKeyOptions.Parse(option, zone);
                Assert.NotNull(options.ExpiryTime);
            }
            catch (FormatException e)
            {
                Assert.Contains("expir", e.Message, StringComparison.Ordinal);
            }
        }
        AuthorizedKeysFile file = AuthorizedKeysFile.Parse(option + " " + Ed25519Line, "ak", west);
        Assert.Equal(1, file.Entries.Count + file.Warnings.Count);
    }

    [Fact]
    public void PermitLists_Mutated_OnlyFormatException()
    {
        (_, int rejected) = FuzzRunner.RunText(204, 3000, ["db.internal:5432 [::1]:* localhost:8080 *:443 10.0.0.1:ssh"], text =>
        {
            string[] arguments = text.Split(' ');
            PermitList open = PermitList.Parse(arguments, isListen: false);
            PermitList listen = PermitList.Parse(arguments, isListen: true);
            open.AllowsOpen("db.internal", 5432);
            listen.AllowsListen("localhost", 8080);
        }, typeof(FormatException));
        Assert.True(rejected > 0);
    }

    [Fact]
    public void FromPatterns_Mutated_NeverThrow()
    {
        (int accepted, int rejected) = FuzzRunner.RunText(205, 3000, ["10.0.0.0/8,!10.9.0.0/16,*.example.com,fe80::/10,192.0.2.?,host?name"], text =>
        {
            SshPattern.MatchHostAndAddress("host.example.com", "10.1.2.3", text, out _);
            SshPattern.MatchHostAndAddress("h", "fe80::1", text, out _);
            SshPattern.MatchUser("alice", "h", "192.0.2.1", "alice@" + text);
            SshPattern.IsValidUserPattern(text);
        });
        Assert.Equal(0, rejected);
        Assert.True(accepted > 100, $"only {accepted} inputs in the time budget");
    }
}
