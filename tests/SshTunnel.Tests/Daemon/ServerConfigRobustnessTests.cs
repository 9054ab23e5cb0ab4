using Microsoft.Extensions.Logging.Abstractions;
using SshTunnel.Daemon;
using SshTunnel.Daemon.Config;
using SshTunnel.Server;
using SshTunnel.Tests.Gateway;

namespace SshTunnel.Tests.Daemon;

/// <summary>TCPKeepAlive, PerSourceMaxStartups, StreamLocalBindMask/Unlink: parsing, -T dump, and wiring into SshServerOptions.</summary>
public sealed class ServerConfigRobustnessTests
{
    private static ServerConfig Parse(string text) => ServerConfig.ParseText(text, "cfg");

    [Fact]
    public void Defaults_and_dump()
    {
        ServerConfig c = Parse("");
        Assert.True(c.IsValid);
        Assert.True(c.TcpKeepAlive);
        Assert.Equal(10, c.PerSourceMaxStartups);
        Assert.Equal(0x7F, c.StreamLocalBindMask);
        Assert.False(c.StreamLocalBindUnlink);
        IReadOnlyList<string> lines = c.DumpLines();
        Assert.Contains("tcpkeepalive yes", lines);
        Assert.Contains("persourcemaxstartups 10", lines);
        Assert.Contains("streamlocalbindmask 0177", lines);
        Assert.Contains("streamlocalbindunlink no", lines);
    }

    [Fact]
    public void PerSourceMaxStartups_defaults_to_MaxStartups_start()
    {
        Assert.Equal(4, Parse("MaxStartups 4:50:20\n").PerSourceMaxStartups);
    }

    [Fact]
    public void Values_are_parsed_and_dumped()
    {
        ServerConfig c = Parse("TCPKeepAlive no\nPerSourceMaxStartups 3\nStreamLocalBindMask 0022\nStreamLocalBindUnlink yes\n");
        Assert.True(c.IsValid, string.Join("\n", c.Errors.Select(e => e.Message)));
        Assert.False(c.TcpKeepAlive);
        Assert.Equal(3, c.PerSourceMaxStartups);
        Assert.Equal(0x12, c.StreamLocalBindMask);
        Assert.True(c.StreamLocalBindUnlink);
        IReadOnlyList<string> lines = c.DumpLines();
        Assert.Contains("tcpkeepalive no", lines);
        Assert.Contains("persourcemaxstartups 3", lines);
        Assert.Contains("streamlocalbindmask 022", lines);
        Assert.Contains("streamlocalbindunlink yes", lines);
    }

    [Fact]
    public void PerSourceMaxStartups_none_and_KeepAlive_alias()
    {
        ServerConfig c = Parse("PerSourceMaxStartups none\nKeepAlive no\n");
        Assert.True(c.IsValid);
        Assert.Null(c.PerSourceMaxStartups);
        Assert.False(c.TcpKeepAlive);
        Assert.Contains("persourcemaxstartups none", c.DumpLines());
        Assert.Empty(c.Warnings);
    }

    [Theory]
    [InlineData("TCPKeepAlive maybe", "cfg line 1: unsupported option \"maybe\".")]
    [InlineData("StreamLocalBindUnlink 1", "cfg line 1: unsupported option \"1\".")]
    [InlineData("StreamLocalBindMask 0800", "cfg line 1: Invalid StreamLocalBindMask.")]
    [InlineData("StreamLocalBindMask 01000", "cfg line 1: Invalid StreamLocalBindMask.")]
    [InlineData("StreamLocalBindMask -1", "cfg line 1: Invalid StreamLocalBindMask.")]
    [InlineData("StreamLocalBindMask 777777777777777777777", "cfg line 1: Invalid StreamLocalBindMask.")]
    [InlineData("StreamLocalBindMask", "cfg line 1: no argument after keyword \"StreamLocalBindMask\"")]
    [InlineData("PerSourceMaxStartups", "cfg line 1: no argument after keyword \"PerSourceMaxStartups\"")]
    [InlineData("PerSourceMaxStartups -2", "cfg line 1: PerSourceMaxStartups integer value too small.")]
    [InlineData("PerSourceMaxStartups ten", "cfg line 1: PerSourceMaxStartups integer value invalid.")]
    [InlineData("PerSourceMaxStartups 3 4", "cfg line 1: keyword PerSourceMaxStartups extra arguments at end of line")]
    [InlineData("Match User bob\nStreamLocalBindUnlink yes", "cfg line 2: Directive 'StreamLocalBindUnlink' is not allowed within a Match block")]
    [InlineData("Match User bob\nTCPKeepAlive no", "cfg line 2: Directive 'TCPKeepAlive' is not allowed within a Match block")]
    public void Malformed_values_are_errors(string text, string expected)
    {
        ServerConfig c = Parse(text);
        Assert.False(c.IsValid);
        Assert.Contains(c.Errors, e => e.Message.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Daemon_passes_the_values_to_SshServerOptions()
    {
        string state = GatewayProcess.NewDirectory();
        try
        {
            ServerConfig c = Parse("ListenAddress 127.0.0.1\nTCPKeepAlive no\nPerSourceMaxStartups 3\nStreamLocalBindMask 0111\nStreamLocalBindUnlink yes\n");
            SshServerOptions? options = Program.BuildServerOptions(c, state, NullLogger.Instance, generateHostKey: true);
            Assert.NotNull(options);
            Assert.False(options.TcpKeepAlive);
            Assert.Equal(3, options.PerSourceMaxStartups);
            Assert.Equal(0x49, options.StreamLocalBindMask);
            Assert.True(options.StreamLocalBindUnlink);
            SshServerOptions? defaults = Program.BuildServerOptions(Parse("ListenAddress 127.0.0.1\nPerSourceMaxStartups none\n"), state, NullLogger.Instance, generateHostKey: true);
            Assert.NotNull(defaults);
            Assert.True(defaults.TcpKeepAlive);
            Assert.Null(defaults.PerSourceMaxStartups);
            Assert.Equal(0x7F, defaults.StreamLocalBindMask);
            Assert.False(defaults.StreamLocalBindUnlink);
        }
        finally
        {
            Directory.Delete(state, true);
        }
    }
}
