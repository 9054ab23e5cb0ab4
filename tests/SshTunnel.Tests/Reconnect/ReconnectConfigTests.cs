using SshTunnel.Cli.Arguments;

namespace SshTunnel.Tests.Reconnect;

/// <summary>sshtunnel's own keywords Reconnect, ReconnectMaxDelay, ReconnectMaxAttempts: parsed, and invisible in -G unless set.</summary>
public sealed class ReconnectConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sshtunnel-reconnect-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ResolvedSshConfig Resolve(params string[] args)
    {
        var context = new SshConfigContext { Host = "", OriginalHost = "", HomeDirectory = _dir, LocalUser = "alice", RunCommand = _ => false };
        return OpenSshArguments.Parse(args, File.Exists, _dir).Resolve(context, Path.Combine(_dir, "no-system-config"));
    }

    private string Write(string text)
    {
        string path = Path.Combine(_dir, "config");
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    [Fact]
    public void Unset_IsOff_AndDumpHasNoReconnectLine()
    {
        ResolvedSshConfig config = Resolve("-F", "none", "-N", "host");
        Assert.False(config.Reconnect);
        Assert.Null(config.ReconnectMaxDelay);
        Assert.Null(config.ReconnectMaxAttempts);
        Assert.DoesNotContain(config.Dump().Split('\n'), l => l.StartsWith("reconnect", StringComparison.Ordinal));
    }

    [Fact]
    public void CommandLineOptions_AreParsedAndDumpedLast()
    {
        ResolvedSshConfig config = Resolve("-F", "none", "-o", "Reconnect=yes", "-o", "ReconnectMaxDelay=2m", "-o", "ReconnectMaxAttempts=5", "-N", "host");
        Assert.True(config.Reconnect);
        Assert.Equal(120, config.ReconnectMaxDelay);
        Assert.Equal(5, config.ReconnectMaxAttempts);
        string[] lines = config.Dump().TrimEnd('\n').Split('\n');
        Assert.Equal(["reconnect yes", "reconnectmaxdelay 120", "reconnectmaxattempts 5"], lines[^3..]);
    }

    [Fact]
    public void ConfigFileKeywords_FollowFirstValueWins()
    {
        string config = Write("Host tunnel\n  Reconnect yes\n  ReconnectMaxDelay 30\n  ReconnectMaxAttempts 0\nHost *\n  Reconnect no\n");
        ResolvedSshConfig tunnel = Resolve("-F", config, "tunnel");
        Assert.True(tunnel.Reconnect);
        Assert.Equal(30, tunnel.ReconnectMaxDelay);
        Assert.Null(tunnel.ReconnectMaxAttempts); // 0: no limit
        Assert.False(Resolve("-F", config, "other").Reconnect);
        Assert.False(Resolve("-F", config, "-o", "Reconnect=no", "tunnel").Reconnect);
    }

    [Theory]
    [InlineData("Reconnect=maybe")]
    [InlineData("ReconnectMaxDelay=soon")]
    [InlineData("ReconnectMaxAttempts=many")]
    [InlineData("Reconnect")]
    public void MalformedValues_AreConfigErrors(string option)
    {
        Assert.ThrowsAny<Exception>(() => Resolve("-F", "none", "-o", option, "host"));
        Exception e = Record.Exception(() => Resolve("-F", "none", "-o", option, "host"))!;
        Assert.True(e is SshConfigException or FormatException, e.GetType().Name + ": " + e.Message);
    }
}
