using SshTunnel.Forwarding;

namespace SshTunnel.Tests.Forwarding;

public class ForwardSpecParserTests
{
    internal static readonly Dictionary<string, string> s_env = new()
    {
        ["SOCKDIR"] = "/run/app",
        ["PORT"] = "8080",
        ["HOSTV"] = "server2",
    };

    internal static string? Env(string name) => s_env.TryGetValue(name, out string? v) ? v : null;

    // Option letter, argument, expected ToString() (null = rejected), expected kind.
    public static TheoryData<char, string, string?, ForwardSpecKind?> Cases => new()
    {
        // §3 grammar, -L
        { 'L', "8080:server2:80", "8080 [server2]:80", ForwardSpecKind.Local },
        { 'L', "127.0.0.1:8080:server2:80", "[127.0.0.1]:8080 [server2]:80", ForwardSpecKind.Local },
        { 'L', "*:8080:h:80", "[*]:8080 [h]:80", ForwardSpecKind.Local },
        { 'L', ":8080:h:80", "[]:8080 [h]:80", ForwardSpecKind.Local },
        { 'L', "localhost:8083:[::1]:80", "[localhost]:8083 [::1]:80", ForwardSpecKind.Local },
        { 'L', "[::1]:8080:[fe80::1%eth0]:80", "[::1]:8080 [fe80::1%eth0]:80", ForwardSpecKind.Local },
        { 'L', "8080:/run/app.sock", "8080 /run/app.sock", ForwardSpecKind.Local },
        { 'L', "lo:8080:/run/app.sock", "[lo]:8080 /run/app.sock", ForwardSpecKind.Local },
        { 'L', "/tmp/l.sock:h:80", "/tmp/l.sock [h]:80", ForwardSpecKind.Local },
        { 'L', "/tmp/l.sock:/run/r.sock", "/tmp/l.sock /run/r.sock", ForwardSpecKind.Local },
        { 'L', "http-alt:h:http", "8080 [h]:80", ForwardSpecKind.Local },
        { 'L', "  8080:h:80", "8080 [h]:80", ForwardSpecKind.Local },
        { 'L', "8080:h:80:", "8080 [h]:80", ForwardSpecKind.Local },
        { 'L', "+8080:h:80", "8080 [h]:80", ForwardSpecKind.Local },
        { 'L', "8080:[h]:80", "8080 [h]:80", ForwardSpecKind.Local },
        { 'L', "[a/b]:h:80", "a/b [h]:80", ForwardSpecKind.Local },
        { 'L', @"a\:b/c:h:80", "a:b/c [h]:80", ForwardSpecKind.Local },
        { 'L', @"8080:h\x:80", "8080 [hx]:80", ForwardSpecKind.Local },
        { 'L', @"8080:a\/b:80", "8080 [a/b]:80", ForwardSpecKind.Local },
        { 'L', "65535:h:65535", "65535 [h]:65535", ForwardSpecKind.Local },
        { 'L', "${PORT}:${HOSTV}:80", "8080 [server2]:80", ForwardSpecKind.Local },
        { 'L', "${SOCKDIR}.sock:h:80", "/run/app.sock [h]:80", ForwardSpecKind.Local },
        // -L rejections
        { 'L', "0:h:80", null, null },
        { 'L', "8080:h:0", null, null },
        { 'L', "8080", null, null },
        { 'L', "8080:h", null, null },
        { 'L', "1:2:3:4:5", null, null },
        { 'L', "::1:8080:h:80", null, null },
        { 'L', "8080/127.0.0.1/80", null, null },
        { 'L', "70000:h:80", null, null },
        { 'L', "8080:h:70000", null, null },
        { 'L', "-1:h:80", null, null },
        { 'L', "8080 :h:80", null, null },
        { 'L', "8080:h:80\\", null, null },
        { 'L', "[::1]x:8080:h:80", null, null },
        { 'L', "[::1:8080:h:80", null, null },
        { 'L', "8080:[h]x:80", null, null },
        { 'L', "8080:h:HTTP", null, null },
        { 'L', "8080:h:no-such-service", null, null },
        { 'L', "", null, null },
        { 'L', "   ", null, null },
        { 'L', "${NOPE}:h:80", null, null },
        { 'L', "${PORT:h:80", null, null },
        { 'L', "${}:h:80", null, null },
        // -D
        { 'D', "1080", "1080", ForwardSpecKind.Dynamic },
        { 'D', "x:1081", "[x]:1081", ForwardSpecKind.Dynamic },
        { 'D', "*:1081", "[*]:1081", ForwardSpecKind.Dynamic },
        { 'D', "[::1]:1081", "[::1]:1081", ForwardSpecKind.Dynamic },
        { 'D', "socks", "1080", ForwardSpecKind.Dynamic },
        { 'D', "/a/b", "/a/b", ForwardSpecKind.Dynamic },
        { 'D', "1082:/x/y", "1082 /x/y", ForwardSpecKind.Local },
        { 'D', "/a:/b", "/a /b", ForwardSpecKind.Local },
        { 'D', "/a:1080", "[/a]:1080", ForwardSpecKind.Dynamic },
        { 'D', "1080:", "1080", ForwardSpecKind.Dynamic },
        { 'D', "0", null, null },
        { 'D', "-0", null, null },
        { 'D', "a:0", null, null },
        { 'D', "1080:h:80", null, null },
        { 'D', "1080/x", "1080/x", ForwardSpecKind.Dynamic },
        { 'D', "65536", null, null },
        // -R
        { 'R', "0:h:22", "0 [h]:22", ForwardSpecKind.Remote },
        { 'R', "8080:localhost:80", "8080 [localhost]:80", ForwardSpecKind.Remote },
        { 'R', "*:8080:localhost:80", "[*]:8080 [localhost]:80", ForwardSpecKind.Remote },
        { 'R', "9000", "9000 [socks]:0", ForwardSpecKind.Remote },
        { 'R', "0", "0 [socks]:0", ForwardSpecKind.Remote },
        { 'R', "a:9001", "[a]:9001 [socks]:0", ForwardSpecKind.Remote },
        { 'R', "8080:/run/l.sock", "8080 /run/l.sock", ForwardSpecKind.Remote },
        { 'R', "/r/s.sock:h:80", "/r/s.sock [h]:80", ForwardSpecKind.Remote },
        { 'R', "/r/s.sock:/l/s.sock", "/r/s.sock /l/s.sock", ForwardSpecKind.Remote },
        { 'R', "/r/socks.sock", "/r/socks.sock [socks]:0", ForwardSpecKind.Remote },
        { 'R', "8080/127.0.0.1/80", "8080/127.0.0.1/80 [socks]:0", ForwardSpecKind.Remote },
        { 'R', "70000:h:1", null, null },
        { 'R', "8080:h:0", null, null },
        { 'R', "::1:8080:h:80", null, null },
        { 'R', "a:b:c:d:e", null, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parses_like_OpenSSH(char option, string spec, string? expected, ForwardSpecKind? kind)
    {
        if (expected is null)
        {
            var ex = Assert.Throws<FormatException>(() => Parse(option, spec));
            Assert.Equal($"Bad {Word(option)} forwarding specification '{spec}'", ex.Message);
            Assert.False(TryParse(option, spec, out ForwardSpec? none));
            Assert.Null(none);
            return;
        }

        ForwardSpec forward = Parse(option, spec);
        Assert.Equal(expected, forward.ToString());
        Assert.Equal(kind, forward.Kind);

        if ((forward.ListenPath + forward.ConnectPath).Contains(':', StringComparison.Ordinal))
        {
            return; // ssh -G prints paths unquoted, so a path with ':' cannot be read back (as in OpenSSH).
        }

        // Round trip through the config form (LISTEN DEST), which is what ssh -G output is read back as.
        // A reverse dynamic forward is written back as its listen side alone.
        string? destination = forward.IsDynamic ? null : forward.DestinationText;
        ForwardSpec again = ForwardSpecParser.ParseConfigArguments(forward.Kind, forward.ListenText, destination, Env);
        Assert.Equal(forward, again);
    }

    private static ForwardSpec Parse(char option, string spec) => option switch
    {
        'L' => ForwardSpecParser.ParseLocal(spec, Env),
        'R' => ForwardSpecParser.ParseRemote(spec, Env),
        _ => ForwardSpecParser.ParseDynamic(spec, Env),
    };

    private static bool TryParse(char option, string spec, out ForwardSpec? forward) => option switch
    {
        'L' => ForwardSpecParser.TryParseLocal(spec, out forward),
        'R' => ForwardSpecParser.TryParseRemote(spec, out forward),
        _ => ForwardSpecParser.TryParseDynamic(spec, out forward),
    };

    private static string Word(char option) => option switch { 'L' => "local", 'R' => "remote", _ => "dynamic" };

    [Fact]
    public void Fields_are_exposed()
    {
        ForwardSpec f = ForwardSpecParser.ParseLocal("127.0.0.1:8080:server2:80");
        Assert.Equal(("127.0.0.1", 8080, (string?)null), (f.ListenHost, f.ListenPort, f.ListenPath));
        Assert.Equal(("server2", 80, (string?)null), (f.ConnectHost, f.ConnectPort, f.ConnectPath));
        Assert.False(f.IsDynamic);
        Assert.False(f.IsWildcardBind);

        Assert.Null(ForwardSpecParser.ParseLocal("8080:h:80").ListenHost);
        Assert.True(ForwardSpecParser.ParseLocal("*:8080:h:80").IsWildcardBind);
        Assert.True(ForwardSpecParser.ParseLocal(":8080:h:80").IsWildcardBind);

        ForwardSpec d = ForwardSpecParser.ParseDynamic("1080");
        Assert.True(d.IsDynamic);
        Assert.Null(d.DestinationText);
        Assert.Null(d.ConnectHost);

        ForwardSpec r = ForwardSpecParser.ParseRemote("0");
        Assert.True(r.IsDynamic);
        Assert.Equal(0, r.ListenPort);

        ForwardSpec u = ForwardSpecParser.ParseLocal("/l.sock:/r.sock");
        Assert.Equal(("/l.sock", 0, "/r.sock", 0), (u.ListenPath, u.ListenPort, u.ConnectPath, u.ConnectPort));
    }

    [Fact]
    public void Equal_specs_are_equal_so_duplicates_can_be_dropped()
    {
        Assert.Equal(ForwardSpecParser.ParseLocal("8080:h:80"), ForwardSpecParser.ParseLocal("8080:[h]:http"));
        Assert.NotEqual(ForwardSpecParser.ParseLocal("8080:h:80"), ForwardSpecParser.ParseLocal("localhost:8080:h:80"));
        Assert.NotEqual(ForwardSpecParser.ParseLocal("8080:h:80"), ForwardSpecParser.ParseRemote("8080:h:80"));
    }

    [Fact]
    public void Unset_environment_variable_reports_OpenSSH_lines()
    {
        var ex = Assert.Throws<FormatException>(() => ForwardSpecParser.ParseLocal("${NOPE}:${NOPE2}:80", Env));
        Assert.Equal("Bad local forwarding specification '${NOPE}:${NOPE2}:80'", ex.Message);
        Assert.Equal(
            "vdollar_percent_expand: env var ${NOPE} has no value\nvdollar_percent_expand: env var ${NOPE2} has no value",
            ex.InnerException?.Message);

        ex = Assert.Throws<FormatException>(() => ForwardSpecParser.ParseLocal("${NOPE:h:80", Env));
        Assert.Equal("vdollar_percent_expand: environment variable 'NOPE:h:80' missing closing '}'", ex.InnerException?.Message);

        ex = Assert.Throws<FormatException>(() => ForwardSpecParser.ParseDynamic("${}", Env));
        Assert.Equal("vdollar_percent_expand: zero-length environment variable", ex.InnerException?.Message);

        // -R is parsed twice (static, then dynamic), so OpenSSH prints the line twice.
        ex = Assert.Throws<FormatException>(() => ForwardSpecParser.ParseRemote("${NOPE}:h:80", Env));
        Assert.Equal(
            "vdollar_percent_expand: env var ${NOPE} has no value\nvdollar_percent_expand: env var ${NOPE} has no value",
            ex.InnerException?.Message);
    }

    [Fact]
    public void Length_limits_follow_NI_MAXHOST_and_sun_path()
    {
        Assert.Throws<FormatException>(() => ForwardSpecParser.ParseLocal("8080:" + new string('h', 1025) + ":80"));
        Assert.Equal(1024, ForwardSpecParser.ParseLocal("8080:" + new string('h', 1024) + ":80").ConnectHost!.Length);
        Assert.Throws<FormatException>(() => ForwardSpecParser.ParseLocal(new string('h', 1025) + ":8080:h:80"));

        int max = ForwardSpecParser.MaxUnixPathLength;
        string ok = "/" + new string('p', max - 2);
        string tooLong = "/" + new string('p', max - 1);
        Assert.Equal(ok, ForwardSpecParser.ParseLocal(ok + ":h:80").ListenPath);
        Assert.Throws<FormatException>(() => ForwardSpecParser.ParseLocal(tooLong + ":h:80"));
        Assert.Throws<FormatException>(() => ForwardSpecParser.ParseLocal("8080:" + tooLong));
    }

    [Theory]
    [InlineData("22", 22)]
    [InlineData("0", 0)]
    [InlineData("65535", 65535)]
    [InlineData(" 80", 80)]
    [InlineData("+80", 80)]
    [InlineData("-0", 0)]
    [InlineData("ssh", 22)]
    [InlineData("http-alt", 8080)]
    [InlineData("65536", -1)]
    [InlineData("-1", -1)]
    [InlineData("80 ", -1)]
    [InlineData("", -1)]
    [InlineData("0x50", -1)]
    [InlineData("99999999999999999999999", -1)]
    [InlineData("SSH", -1)]
    public void TryParsePort_is_a2port(string text, int expected)
    {
        Assert.Equal(expected >= 0, ForwardSpecParser.TryParsePort(text, out int port));
        Assert.Equal(expected, port);
    }

    [Fact]
    public void Services_file_parser_reads_tcp_names_and_aliases()
    {
        var table = ForwardSpecServices.Parse(
        [
            "# comment",
            "ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol",
            "domain 53/udp",
            "http-alt 8080/tcp webcache # WWW caching service",
            "broken",
            "bad 99999/tcp",
            "ssh 2222/tcp",
        ]);
        Assert.Equal(22, table["ssh"]);
        Assert.Equal(8080, table["webcache"]);
        Assert.False(table.ContainsKey("domain"));
        Assert.False(table.ContainsKey("bad"));
    }

    [Theory]
    [InlineData("8080/127.0.0.1/80", true)]
    [InlineData("lo/8080/127.0.0.1/80", true)]
    [InlineData("/run/x.sock", false)]
    [InlineData("8080:h:80", false)]
    [InlineData("a/b", false)]
    public void Legacy_slash_syntax_is_recognised(string spec, bool expected) =>
        Assert.Equal(expected, ForwardSpecParser.IsLegacySlashSyntax(spec));

    [Fact]
    public void Config_form_errors_are_OpenSSH_messages()
    {
        Assert.Equal("Missing target argument.",
            Assert.Throws<FormatException>(() => ForwardSpecParser.ParseConfigArguments(ForwardSpecKind.Local, "8080", null)).Message);
        Assert.Equal("Missing argument.",
            Assert.Throws<FormatException>(() => ForwardSpecParser.ParseConfigArguments(ForwardSpecKind.Local, "", "h:80")).Message);
        Assert.Equal("Bad forwarding specification.",
            Assert.Throws<FormatException>(() => ForwardSpecParser.ParseConfigArguments(ForwardSpecKind.Local, "0", "h:80")).Message);
        Assert.Equal("9000 [socks]:0", ForwardSpecParser.ParseConfigArguments(ForwardSpecKind.Remote, "9000", null).ToString());
        Assert.Equal("[x]:1080", ForwardSpecParser.ParseConfigArguments(ForwardSpecKind.Dynamic, "x:1080", "ignored").ToString());
    }
}
