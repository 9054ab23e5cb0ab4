using SshTunnel.Cli.Arguments;
using SshTunnel.Forwarding;

namespace SshTunnel.Tests.Cli;

public class OpenSshArgumentsTests
{
    private static ClientInvocation Parse(params string[] args) => OpenSshArguments.Parse(args, _ => true, "/home/u");

    private static SshConfigException Fails(params string[] args) =>
        Assert.Throws<SshConfigException>(() => OpenSshArguments.Parse(args, _ => true, "/home/u"));

    [Fact]
    public void Clustered_flags_and_attached_values()
    {
        ClientInvocation inv = Parse("-fNTp2222", "-L8080:h:80", "-lme", "host");
        SshOptions o = inv.CommandLineOptions;
        Assert.Equal("host", inv.Host);
        Assert.Equal("2222", o.Get("port"));
        Assert.Equal("me", o.Get("user"));
        Assert.Equal("yes", o.Get("forkafterauthentication"));
        Assert.Equal("yes", o.Get("stdinnull"));
        Assert.Equal("none", o.Get("sessiontype"));
        Assert.Equal("false", o.Get("requesttty"));
        Assert.Equal("8080 [h]:80", Assert.Single(o.LocalForwards).ToString());
    }

    [Fact]
    public void Options_after_the_destination_are_parsed_but_not_after_the_command()
    {
        ClientInvocation inv = Parse("host", "-p", "2222", "cmd", "-p", "3333");
        Assert.Equal("2222", inv.CommandLineOptions.Get("port"));
        Assert.Equal(["cmd", "-p", "3333"], inv.Command);
        Assert.Equal("cmd -p 3333", inv.CommandText);
    }

    [Fact]
    public void Double_dash_ends_options_before_or_after_the_destination()
    {
        Assert.Equal(["-p", "2222"], Parse("--", "host", "-p", "2222").Command);
        Assert.False(Parse("--", "host", "-p", "2222").CommandLineOptions.IsSet("port"));
        Assert.Equal(["-p", "2222"], Parse("host", "--", "-p", "2222").Command);
    }

    [Fact]
    public void First_value_wins_for_port_and_user_but_destination_user_is_a_fallback()
    {
        Assert.Equal("2222", Parse("-p", "2222", "-p", "3333", "h").CommandLineOptions.Get("port"));
        Assert.Equal("3333", Parse("-o", "Port=3333", "-p", "2222", "h").CommandLineOptions.Get("port"));
        Assert.Equal("me", Parse("-l", "me", "a@b").CommandLineOptions.Get("user"));
        ClientInvocation inv = Parse("a@b@c");
        Assert.Equal(("a@b", "c"), (inv.CommandLineOptions.Get("user"), inv.Host));
    }

    [Fact]
    public void Ssh_uri_destination()
    {
        ClientInvocation inv = Parse("ssh://u@h:2200");
        Assert.Equal(("u", "2200", "h"), (inv.CommandLineOptions.Get("user"), inv.CommandLineOptions.Get("port"), inv.Host));
        Assert.True(Fails("ssh://u@h:2200/path").ShowUsage);
    }

    [Theory]
    [InlineData(new[] { "-z", "x" }, "unknown option -- z", true)]
    [InlineData(new[] { "-p" }, "option requires an argument -- p", true)]
    [InlineData(new[] { "x", "-p" }, "option requires an argument -- p", true)]
    [InlineData(new[] { "x", "-q", "-z" }, "unknown option -- z", true)]
    [InlineData(new[] { "-pfoo", "x" }, "Bad port 'foo'", false)]
    [InlineData(new[] { "-p0", "x" }, "Bad port '0'", false)]
    [InlineData(new[] { "-p", "65536", "x" }, "Bad port '65536'", false)]
    [InlineData(new[] { "-L", "0:h:80", "x" }, "Bad local forwarding specification '0:h:80'", false)]
    [InlineData(new[] { "-R", "70000:h:1", "x" }, "Bad remote forwarding specification '70000:h:1'", false)]
    [InlineData(new[] { "-D", "0", "x" }, "Bad dynamic forwarding specification '0'", false)]
    [InlineData(new[] { "-W", "h:0", "x" }, "Bad stdio forwarding specification 'h:0'", false)]
    [InlineData(new[] { "-o", "Foo=bar", "x" }, "command-line: line 0: Bad configuration option: foo", false)]
    [InlineData(new[] { "-o", "Port=abc", "x" }, "command-line line 0: Bad port 'abc'.", false)]
    [InlineData(new[] { "-oBatchMode=maybe", "x" }, "command-line line 0: unsupported option \"maybe\".", false)]
    [InlineData(new[] { "-o", "x" }, "command-line line 0: no argument after keyword \"x\"", false)]
    [InlineData(new[] { "-o", "Host=x", "x" }, "Host directive not supported as a command-line option", false)]
    [InlineData(new[] { "-o", "ConnectTimeout=soon", "x" }, "command-line line 0: invalid time value.", false)]
    [InlineData(new[] { "-o", "ServerAliveCountMax=-1", "x" }, "command-line line 0: integer value too small.", false)]
    [InlineData(new[] { "-o", "Ciphers=aes1024-ctr", "x" }, "command-line line 0: Bad SSH2 cipher spec 'aes1024-ctr'.", false)]
    [InlineData(new[] { "-o", "LogLevel=LOUD", "x" }, "command-line line 0: unsupported log level 'LOUD'", false)]
    [InlineData(new[] { "-o", "User a b", "x" }, "command-line line 0: keyword user extra arguments at end of line", false)]
    [InlineData(new[] { "-o", "User \"a", "x" }, "command-line line 0: invalid quotes", false)]
    [InlineData(new[] { "-o", "LocalForward 8080", "x" }, "command-line line 0: Missing target argument.", false)]
    [InlineData(new[] { "-o", "LocalForward 0 h:80", "x" }, "command-line line 0: Bad forwarding specification.", false)]
    [InlineData(new[] { "-J", "a", "-J", "b", "x" }, "Only a single -J option is permitted (use commas to separate multiple jump hops)", false)]
    [InlineData(new[] { "-J", "a b", "x" }, "Invalid -J argument", false)]
    [InlineData(new[] { "-N", "-s", "x" }, "Cannot specify -s with -N/SessionType", false)]
    [InlineData(new[] { "-e", "ab", "x" }, "Bad escape character 'ab'.", false)]
    [InlineData(new[] { "-c", "nope", "x" }, "Unknown cipher type 'nope'", false)]
    [InlineData(new[] { "-m", "nope", "x" }, "Unknown mac type 'nope'", false)]
    [InlineData(new[] { "-O", "nope", "x" }, "Invalid multiplex command.", false)]
    [InlineData(new[] { "-w", "x:y", "x" }, "Bad tun device 'x:y'", false)]
    [InlineData(new[] { "-1", "x" }, "SSH protocol v.1 is no longer supported", false)]
    [InlineData(new[] { "-y", "-E", "log", "x" }, "Can't specify both -y and -E", false)]
    [InlineData(new[] { "-x-" }, "unknown option -- -", true)]
    public void Errors_are_OpenSSH_text(string[] args, string message, bool usage)
    {
        SshConfigException ex = Fails(args);
        Assert.Equal(message, ex.Lines[^1]);
        Assert.Equal(usage, ex.ShowUsage);
        Assert.Equal(255, ex.ExitCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-v")]
    [InlineData("@x")]
    [InlineData("--")]
    public void Missing_or_bad_destination_shows_usage(string args)
    {
        SshConfigException ex = Fails(args.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(ex.ShowUsage);
        Assert.StartsWith("usage: ssh ", Usage.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-oPort=2200")]
    [InlineData("-oPort 2200")]
    [InlineData("-o", "Port 2200")]
    [InlineData("-o", "port=2200")]
    [InlineData("-o", "PORT = 2200")]
    [InlineData("-o", "Port \"2200\"")]
    public void O_option_forms(params string[] option)
    {
        ClientInvocation inv = Parse([.. option, "h"]);
        Assert.Equal("2200", inv.CommandLineOptions.Get("port"));
    }

    [Fact]
    public void O_values_are_normalised_like_ssh_G()
    {
        SshOptions o = Parse(
            "-o", "StrictHostKeyChecking=no", "-o", "BatchMode=YES", "-o", "ConnectTimeout=1m30s",
            "-o", "ServerAliveInterval=15", "-o", "LogLevel=debug", "-o", "GatewayPorts=true",
            "-o", "RequestTTY=yes", "-o", "ExitOnForwardFailure yes", "h").CommandLineOptions;
        Assert.Equal("false", o.Get("stricthostkeychecking"));
        Assert.Equal("yes", o.Get("batchmode"));
        Assert.Equal("90", o.Get("connecttimeout"));
        Assert.Equal("15", o.Get("serveraliveinterval"));
        Assert.Equal("DEBUG", o.Get("loglevel"));
        Assert.Equal("yes", o.Get("gatewayports"));
        Assert.Equal("true", o.Get("requesttty"));
        Assert.Equal("yes", o.Get("exitonforwardfailure"));
    }

    [Fact]
    public void Unsupported_and_deprecated_keywords_do_not_fail()
    {
        ClientInvocation inv = Parse("-o", "RSAAuthentication=yes", "-o", "UsePrivilegedPort=no", "-o", "Protocol=2", "h");
        Assert.Equal("command-line line 0: Unsupported option \"rsaauthentication\"", Assert.Single(inv.Warnings));
    }

    [Fact]
    public void Flags_that_overwrite_and_flags_that_count()
    {
        Assert.Equal("inet6", Parse("-4", "-6", "h").CommandLineOptions.Get("addressfamily"));
        Assert.Equal("inet", Parse("-o", "AddressFamily=inet6", "-4", "h").CommandLineOptions.Get("addressfamily"));
        Assert.Equal("DEBUG3", Parse("-vvvv", "h").CommandLineOptions.Get("loglevel"));
        Assert.Equal(4, Parse("-vvvv", "h").Verbosity);
        Assert.Equal("force", Parse("-tt", "h").CommandLineOptions.Get("requesttty"));
        Assert.Equal("QUIET", Parse("-q", "h").CommandLineOptions.Get("loglevel"));
    }

    [Fact]
    public void Forwards_accumulate_without_duplicates()
    {
        SshOptions o = Parse("-L", "8080:h:80", "-L", "8080:h:http", "-D", "1080", "-R", "0:h:22", "-D", "1080", "x").CommandLineOptions;
        Assert.Equal(2, o.LocalForwards.Count);
        Assert.Equal(ForwardSpecKind.Dynamic, o.LocalForwards[1].Kind);
        Assert.Single(o.RemoteForwards);
    }

    [Fact]
    public void Stdio_forward_sets_session_and_tty()
    {
        ClientInvocation inv = Parse("-W", "[::1]:22", "jump");
        Assert.Equal(new SshStdioForward("::1", 22, null), inv.StdioForward);
        Assert.Equal("none", inv.CommandLineOptions.Get("sessiontype"));
        Assert.Equal(new SshStdioForward(null, 0, "/run/s.sock"), Parse("-W", "/run/s.sock", "j").StdioForward);
    }

    [Fact]
    public void Missing_identity_file_is_a_warning_and_skipped()
    {
        ClientInvocation inv = OpenSshArguments.Parse(["-i", "~/nope", "-i", "/etc/hostname", "h"], p => p == "/etc/hostname", "/home/u");
        Assert.Equal("Warning: Identity file /home/u/nope not accessible: No such file or directory.", Assert.Single(inv.PlainWarnings));
        Assert.Equal(["/etc/hostname"], inv.CommandLineOptions.GetList("identityfile"));
    }

    [Fact]
    public void Version_and_query_stop_parsing()
    {
        Assert.True(OpenSshArguments.Parse(["-V", "-z"]).ShowVersion);
        Assert.Equal("cipher", OpenSshArguments.Parse(["-Q", "cipher"]).Query);
        Assert.Equal("Unsupported query \"nope\"", Assert.Throws<SshConfigException>(() => OpenSshArguments.Parse(["-Q", "nope"])).Message);
    }

    [Fact]
    public void Env_expansion_failure_prints_both_lines()
    {
        SshConfigException ex = Fails("-L", "${SSHTUNNEL_TEST_UNSET_VAR}:h:80", "x");
        Assert.Equal(
            ["vdollar_percent_expand: env var ${SSHTUNNEL_TEST_UNSET_VAR} has no value",
             "Bad local forwarding specification '${SSHTUNNEL_TEST_UNSET_VAR}:h:80'"],
            ex.Lines);
    }

    [Fact]
    public void Legacy_slash_syntax_gets_a_hint_or_a_warning()
    {
        SshConfigException ex = Fails("-L", "8080/127.0.0.1/80", "x");
        Assert.Equal("Bad local forwarding specification '8080/127.0.0.1/80'", ex.Lines[0]);
        Assert.StartsWith("hint:", ex.Lines[1], StringComparison.Ordinal);
        ClientInvocation inv = Parse("-R", "8080/127.0.0.1/80", "x");
        Assert.Equal("8080/127.0.0.1/80 [socks]:0", Assert.Single(inv.CommandLineOptions.RemoteForwards).ToString());
        Assert.StartsWith("Warning: -R 8080/127.0.0.1/80", Assert.Single(inv.Warnings), StringComparison.Ordinal);
    }
}
