using System.Diagnostics;
using SshTunnel.Server.Policy;

namespace SshTunnel.Tests.ServerPolicy;

public class SshPatternTests
{
    [Theory]
    [InlineData("bob", "bob", true)]
    [InlineData("bob", "b*", true)]
    [InlineData("bob", "*", true)]
    [InlineData("", "*", true)]
    [InlineData("bob", "b?b", true)]
    [InlineData("bob", "b?", false)]
    [InlineData("bob", "Bob", false)]
    [InlineData("a.example.com", "*.example.com", true)]
    [InlineData("example.com", "*.example.com", false)]
    [InlineData("abcabd", "*abd", true)]
    [InlineData("abc", "a**c", true)]
    [InlineData("abc", "", false)]
    public void Match_wildcards(string value, string pattern, bool expected) => Assert.Equal(expected, SshPattern.Match(value, pattern));

    [Fact]
    public void Match_hostile_pattern_is_fast()
    {
        var sw = Stopwatch.StartNew();
        Assert.False(SshPattern.Match(new string('a', 5000), string.Concat(Enumerable.Repeat("*a", 200)) + "b"));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("bob", "alice,bob", PatternMatch.Match)]
    [InlineData("bob", "*,!bob", PatternMatch.NegatedMatch)]
    [InlineData("carol", "*,!bob", PatternMatch.Match)]
    [InlineData("carol", "!bob", PatternMatch.NoMatch)]
    [InlineData("bob", "!bob,bob", PatternMatch.NegatedMatch)]
    public void MatchList_negation(string value, string list, PatternMatch expected) => Assert.Equal(expected, SshPattern.MatchList(value, list));

    [Fact]
    public void MatchHostname_is_case_insensitive() =>
        Assert.Equal(PatternMatch.Match, SshPattern.MatchHostname("Host.Example.COM", "*.EXAMPLE.com"));

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.0/24", true)]
    [InlineData("192.0.3.7", "192.0.2.0/24", false)]
    [InlineData("10.1.2.3", "10.0.0.0/8", true)]
    [InlineData("10.1.2.3", "10.0.0.0/8,!10.1.0.0/16", false)]
    [InlineData("10.2.2.3", "10.0.0.0/8,!10.1.0.0/16", true)]
    [InlineData("10.1.2.3", "10.1.2.*", true)]
    [InlineData("10.1.2.3", "10.1.3.*", false)]
    [InlineData("::1", "::1/128", true)]
    [InlineData("::1", "::1", true)]
    [InlineData("2001:db8::5", "2001:db8::/32", true)]
    [InlineData("2001:db9::5", "2001:db8::/32", false)]
    [InlineData("127.0.0.1", "::1/128", false)]
    [InlineData("192.0.2.7", "0.0.0.0/0", true)]
    public void MatchHostAndAddress_cidr_and_wildcards(string address, string list, bool expected)
    {
        Assert.Equal(expected, SshPattern.MatchHostAndAddress(address, address, list, out bool invalid));
        Assert.False(invalid);
    }

    [Theory]
    [InlineData("10.0.0.1/8")] // host bits set
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/8,")] // empty entry
    [InlineData("!")]
    public void MatchHostAndAddress_invalid_lists(string list)
    {
        Assert.False(SshPattern.MatchHostAndAddress("10.0.0.1", "10.0.0.1", list, out bool invalid));
        Assert.True(invalid);
    }

    [Fact]
    public void MatchHostAndAddress_hostname_negation_wins()
    {
        Assert.True(SshPattern.MatchHostAndAddress("gw.example.com", "192.0.2.1", "*.example.com", out _));
        Assert.False(SshPattern.MatchHostAndAddress("bad.example.com", "192.0.2.1", "*.example.com,!bad.example.com", out _));
        Assert.False(SshPattern.MatchHostAndAddress("gw.example.com", "192.0.2.1", "*.example.com,!192.0.2.0/24", out _));
    }

    [Theory]
    [InlineData("bob", "bob", true)]
    [InlineData("bob", "b*", true)]
    [InlineData("bob", "bob@192.0.2.0/24", true)]
    [InlineData("bob", "bob@198.51.100.0/24", false)]
    [InlineData("bob", "alice@192.0.2.0/24", false)]
    [InlineData("bob", "*@192.0.2.7", true)]
    public void MatchUser(string user, string pattern, bool expected) =>
        Assert.Equal(expected, SshPattern.MatchUser(user, "192.0.2.7", "192.0.2.7", pattern));

    [Fact]
    public void UserAccessPolicy_deny_wins_and_allow_restricts()
    {
        Assert.True(UserAccessPolicy.IsAllowed("bob", "h", "192.0.2.7", [], [], out _));
        Assert.False(UserAccessPolicy.IsAllowed("bob", "192.0.2.7", "192.0.2.7", ["bob"], ["b*"], out string r1));
        Assert.Equal("User bob from 192.0.2.7 not allowed because listed in DenyUsers", r1);
        Assert.False(UserAccessPolicy.IsAllowed("carol", "192.0.2.7", "192.0.2.7", ["bob", "alice"], [], out string r2));
        Assert.Equal("User carol from 192.0.2.7 not allowed because not listed in AllowUsers", r2);
        Assert.True(UserAccessPolicy.IsAllowed("alice", "192.0.2.7", "192.0.2.7", ["bob", "alice@192.0.2.0/24"], [], out _));
    }

    [Theory]
    [InlineData(".ssh/authorized_keys", "/home/bob/.ssh/authorized_keys")]
    [InlineData("%h/.ssh/keys", "/home/bob/.ssh/keys")]
    [InlineData("/etc/keys/%u", "/etc/keys/bob")]
    [InlineData("/etc/keys/%U.%%", "/etc/keys/1001.%")]
    public void AuthorizedKeysPath_expands_tokens(string template, string expected) =>
        Assert.Equal(expected, AuthorizedKeysPath.Expand(template, "bob", "/home/bob", 1001));

    [Theory]
    [InlineData("/etc/keys/%x")]
    [InlineData("/etc/keys/%")]
    public void AuthorizedKeysPath_rejects_bad_tokens(string template) =>
        Assert.Throws<FormatException>(() => AuthorizedKeysPath.Expand(template, "bob", "/home/bob"));
}
