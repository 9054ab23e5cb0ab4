using System.Net;
using SshTunnel.Server.Policy;

namespace SshTunnel.Tests.ServerPolicy;

public class ForwardingPolicyTests
{
    private static PermitList Permit(bool listen, params string[] entries) => PermitList.Parse(entries, listen);

    private static ForwardingPolicy Policy(ForwardingSettings? settings = null, string? keyOptions = null) =>
        new(settings ?? new ForwardingSettings(), keyOptions is null ? null : AuthorizedKeyOptions.Parse(keyOptions));

    [Fact]
    public void Defaults_allow_everything()
    {
        ForwardingPolicy p = Policy();
        Assert.True(p.CanOpenDirectTcpip("example.com", 80, out string r));
        Assert.Equal("", r);
        Assert.True(p.CanListen("localhost", 8080, out _));
        Assert.True(p.CanListen("", 0, out _));
        Assert.True(p.CanOpenDirectStreamLocal(out _));
        Assert.True(p.CanListenStreamLocal(out _));
    }

    [Theory]
    [InlineData(ForwardingDirections.All, false, null, true, true)]
    [InlineData(ForwardingDirections.Local, false, null, true, false)]
    [InlineData(ForwardingDirections.Remote, false, null, false, true)]
    [InlineData(ForwardingDirections.None, false, null, false, false)]
    [InlineData(ForwardingDirections.All, true, null, false, false)]
    [InlineData(ForwardingDirections.All, false, "no-port-forwarding", false, false)]
    [InlineData(ForwardingDirections.All, false, "restrict", false, false)]
    [InlineData(ForwardingDirections.All, false, "restrict,port-forwarding", true, true)]
    public void AllowTcpForwarding_DisableForwarding_and_key_flags(ForwardingDirections allow, bool disable, string? key, bool local, bool remote)
    {
        ForwardingPolicy p = Policy(new ForwardingSettings { AllowTcpForwarding = allow, DisableForwarding = disable }, key);
        Assert.Equal(local, p.CanOpenDirectTcpip("h", 80, out string r1));
        if (!local) Assert.Equal(ForwardingLog.LocalForwardingDisabled, r1);
        Assert.Equal(remote, p.CanListen("localhost", 8080, out string r2));
        if (!remote) Assert.Equal("Server has disabled port forwarding.", r2);
    }

    [Theory]
    [InlineData(ForwardingDirections.All, false, null, true, true)]
    [InlineData(ForwardingDirections.Local, false, null, true, false)]
    [InlineData(ForwardingDirections.Remote, false, null, false, true)]
    [InlineData(ForwardingDirections.None, false, null, false, false)]
    [InlineData(ForwardingDirections.All, true, null, false, false)]
    [InlineData(ForwardingDirections.All, false, "no-port-forwarding", false, false)]
    public void AllowStreamLocalForwarding(ForwardingDirections allow, bool disable, string? key, bool local, bool remote)
    {
        ForwardingPolicy p = Policy(new ForwardingSettings { AllowStreamLocalForwarding = allow, DisableForwarding = disable, PermitListen = PermitList.None }, key);
        Assert.Equal(local, p.CanOpenDirectStreamLocal(out _));
        Assert.Equal(remote, p.CanListenStreamLocal(out string r));
        if (!remote) Assert.Equal("Server has disabled streamlocal forwarding.", r);
    }

    [Theory]
    [InlineData(new[] { "db:5432" }, "db", 5432u, true)]
    [InlineData(new[] { "db:5432" }, "db", 5433u, false)]
    [InlineData(new[] { "db:5432" }, "DB", 5432u, false)] // literal, case-sensitive compare as sshd's strcmp
    [InlineData(new[] { "db:5432" }, "10.0.0.5", 5432u, false)] // no DNS
    [InlineData(new[] { "db:*" }, "db", 1u, true)]
    [InlineData(new[] { "*:443" }, "anything", 443u, true)]
    [InlineData(new[] { "*:443" }, "anything", 80u, false)]
    [InlineData(new[] { "*:*" }, "x", 9u, true)]
    [InlineData(new[] { "[::1]:22" }, "::1", 22u, true)]
    [InlineData(new[] { "[::1]:22" }, "[::1]", 22u, false)]
    [InlineData(new[] { "a:1", "b:2" }, "b", 2u, true)]
    [InlineData(new[] { "db.*:5432" }, "db.x", 5432u, false)] // PermitOpen hosts are not patterns
    [InlineData(new[] { "host/80" }, "host", 80u, true)] // hpdelim also splits on '/'
    [InlineData(new[] { "none" }, "x", 1u, false)]
    [InlineData(new[] { "any" }, "x", 1u, true)]
    public void PermitOpen_matching(string[] entries, string host, uint port, bool allowed)
    {
        ForwardingPolicy p = Policy(new ForwardingSettings { PermitOpen = Permit(false, entries) });
        Assert.Equal(allowed, p.CanOpenDirectTcpip(host, port, out string reason));
        if (!allowed) Assert.Equal(ForwardingLog.OpenNotPermitted, reason);
    }

    [Theory]
    [InlineData("any", null, "db", 5432u, true)]
    [InlineData("any", "permitopen=\"db:5432\"", "db", 5432u, true)]
    [InlineData("any", "permitopen=\"db:5432\"", "web", 80u, false)]
    [InlineData("db:5432", "permitopen=\"web:80\"", "web", 80u, false)] // both must allow
    [InlineData("db:5432", "permitopen=\"web:80\"", "db", 5432u, false)]
    [InlineData("db:5432 web:80", "permitopen=\"web:80\"", "web", 80u, true)]
    [InlineData("none", "permitopen=\"web:80\"", "web", 80u, false)]
    public void PermitOpen_and_permitopen_must_both_allow(string config, string? key, string host, uint port, bool allowed)
    {
        ForwardingPolicy p = Policy(new ForwardingSettings { PermitOpen = Permit(false, config.Split(' ')) }, key);
        Assert.Equal(allowed, p.CanOpenDirectTcpip(host, port, out _));
    }

    [Theory]
    [InlineData(new[] { "8080" }, "localhost", 8080u, true)] // bare port = any host
    [InlineData(new[] { "8080" }, "", 8080u, true)]
    [InlineData(new[] { "8080" }, "localhost", 8081u, false)]
    [InlineData(new[] { "localhost:8080" }, "LocalHost", 8080u, true)] // requested host is lower-cased
    [InlineData(new[] { "localhost:8080" }, "127.0.0.1", 8080u, false)] // strings, not addresses
    [InlineData(new[] { "127.0.0.*:*" }, "127.0.0.1", 5u, true)] // wildcard patterns
    [InlineData(new[] { "localhost:*" }, "localhost", 0u, true)] // port 0 only with '*'
    [InlineData(new[] { "localhost:8080" }, "localhost", 0u, false)]
    [InlineData(new[] { "[::1]:8080" }, "::1", 8080u, true)]
    [InlineData(new[] { "none" }, "localhost", 8080u, false)]
    public void PermitListen_matching(string[] entries, string host, uint port, bool allowed)
    {
        ForwardingPolicy p = Policy(new ForwardingSettings { PermitListen = Permit(true, entries) });
        Assert.Equal(allowed, p.CanListen(host, port, out string reason));
        if (!allowed) Assert.Equal("port forwarding refused", reason);
    }

    [Fact]
    public void Permitlisten_key_option_and_config_must_both_allow()
    {
        ForwardingPolicy p = Policy(new ForwardingSettings { PermitListen = Permit(true, "*:8080", "*:9090") }, "permitlisten=\"localhost:8080\"");
        Assert.True(p.CanListen("localhost", 8080, out _));
        Assert.False(p.CanListen("", 8080, out _));
        Assert.False(p.CanListen("localhost", 9090, out _));
    }

    [Fact]
    public void Port_zero_without_want_reply_and_huge_ports_are_refused()
    {
        ForwardingPolicy p = Policy();
        Assert.False(p.CanListen("localhost", 0, wantReply: false, out string r));
        Assert.Equal("Server has disabled port forwarding.", r);
        Assert.True(p.CanListen("localhost", 8080, wantReply: false, out _));
        Assert.False(p.CanListen("localhost", 70000, out _));
        Assert.False(p.CanOpenDirectTcpip("h", 70000, out _));
    }

    public static TheoryData<string, GatewayPortsMode, string, bool> GatewayPortsTable => new()
    {
        // FORWARDING-CLI.md §5, server side, every row and column.
        { "localhost", GatewayPortsMode.No, "loopback", false },
        { "localhost", GatewayPortsMode.Yes, "wildcard", true },
        { "localhost", GatewayPortsMode.ClientSpecified, "loopback", false },
        { "", GatewayPortsMode.No, "loopback", false },
        { "", GatewayPortsMode.Yes, "wildcard", false },
        { "", GatewayPortsMode.ClientSpecified, "wildcard", false },
        { "*", GatewayPortsMode.ClientSpecified, "wildcard", false },
        { "127.0.0.1", GatewayPortsMode.No, "127.0.0.1", false },
        { "127.0.0.1", GatewayPortsMode.Yes, "wildcard", true },
        { "127.0.0.1", GatewayPortsMode.ClientSpecified, "127.0.0.1", false },
        { "::1", GatewayPortsMode.No, "::1", false },
        { "::1", GatewayPortsMode.Yes, "wildcard", true },
        { "::1", GatewayPortsMode.ClientSpecified, "::1", false },
        { "0.0.0.0", GatewayPortsMode.No, "loopback", false },
        { "0.0.0.0", GatewayPortsMode.Yes, "wildcard", false },
        { "0.0.0.0", GatewayPortsMode.ClientSpecified, "0.0.0.0", false },
        { "192.0.2.1", GatewayPortsMode.No, "loopback", false },
        { "192.0.2.1", GatewayPortsMode.Yes, "wildcard", true },
        { "192.0.2.1", GatewayPortsMode.ClientSpecified, "192.0.2.1", false },
        { "gw.example.com", GatewayPortsMode.No, "loopback", false },
        { "gw.example.com", GatewayPortsMode.ClientSpecified, "name:gw.example.com", false },
    };

    [Theory]
    [MemberData(nameof(GatewayPortsTable))]
    public void GatewayPorts_table(string sent, GatewayPortsMode mode, string expected, bool overridden)
    {
        ListenBinding b = Policy(new ForwardingSettings { GatewayPorts = mode }).ResolveBindAddresses(sent);
        Assert.Equal(overridden, b.OverriddenByGatewayPorts);
        switch (expected)
        {
            case "loopback":
                Assert.True(b.IsLoopback);
                Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], b.Addresses);
                break;
            case "wildcard":
                Assert.True(b.IsWildcard);
                Assert.Equal([IPAddress.Any, IPAddress.IPv6Any], b.Addresses);
                break;
            case var s when s.StartsWith("name:", StringComparison.Ordinal):
                Assert.Empty(b.Addresses);
                Assert.Equal(s[5..], b.HostNameToResolve);
                break;
            default:
                Assert.Equal([IPAddress.Parse(expected)], b.Addresses);
                Assert.Null(b.HostNameToResolve);
                break;
        }
    }

    [Theory]
    [InlineData(new[] { "any", "h:1" }, "extra arguments at end of line")]
    [InlineData(new[] { "h:1", "any" }, "bad port number")]
    [InlineData(new[] { "host" }, "bad port number")]
    [InlineData(new[] { "host:0" }, "bad port number")]
    [InlineData(new[] { "host:65536" }, "bad port number")]
    [InlineData(new[] { "[::1:22" }, "missing host")]
    [InlineData(new[] { "[::1]x:22" }, "missing host")]
    [InlineData(new string[0], "missing argument.")]
    public void PermitList_parse_errors(string[] args, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => PermitList.Parse(args, false)).Message);

    [Fact]
    public void Log_texts_match_sshd()
    {
        Assert.Equal("refused local port forward: originator 192.0.2.7 port 50000, target db port 5432",
            ForwardingLog.RefusedLocalPortForward("192.0.2.7", 50000, "db", 5432));
        Assert.Equal("Received request from 192.0.2.7 port 50000 to remote forward to host localhost port 8080, but the request was denied.",
            ForwardingLog.RemoteForwardDenied("192.0.2.7", 50000, "localhost", 8080));
        Assert.Equal("Received request from 192.0.2.7 port 50000 to connect to host db port 5432, but the request was denied.",
            ForwardingLog.ConnectDenied("192.0.2.7", 50000, "db", 5432));
        Assert.Equal("Forwarding listen address \"localhost\" overridden by server GatewayPorts", ForwardingLog.ListenAddressOverridden("localhost"));
    }
}
