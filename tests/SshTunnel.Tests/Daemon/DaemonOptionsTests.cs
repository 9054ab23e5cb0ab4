using SshTunnel.Daemon.Config;

namespace SshTunnel.Tests.Daemon;

public class DaemonOptionsTests
{
    [Fact]
    public void Parses_sshd_style_arguments()
    {
        DaemonOptions o = DaemonOptions.Parse(["-De", "-f", "/x/cfg", "-p2222", "-p", "2223", "-oGatewayPorts=yes", "-o", "Port 1", "-dd", "-T", "-C", "user=bob", "-h", "/k"]);
        Assert.True(o.NoDetach);
        Assert.True(o.LogToStderr);
        Assert.Equal("/x/cfg", o.ConfigFile);
        Assert.Equal([2222, 2223], o.Ports);
        Assert.Equal(["GatewayPorts=yes", "Port 1"], o.Options);
        Assert.Equal(2, o.DebugLevel);
        Assert.True(o.ExtendedTest);
        Assert.Equal("bob", o.TestUser);
        Assert.Equal(["/k"], o.HostKeys);
    }

    [Theory]
    [InlineData(new[] { "-x" }, "unknown option -- x")]
    [InlineData(new[] { "-f" }, "option requires an argument -- f")]
    [InlineData(new[] { "-p", "0" }, "Bad port number 0")]
    [InlineData(new[] { "-p", "http" }, "Bad port number http")]
    [InlineData(new[] { "stray" }, "Extra argument stray.")]
    [InlineData(new[] { "-C", "host=x" }, "Invalid test mode specification host=x (sshtunneld supports user=NAME)")]
    public void Rejects_bad_arguments(string[] args, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => DaemonOptions.Parse(args)).Message);

    [Fact]
    public void RunTest_prints_errors_and_dump_for_a_user()
    {
        string path = Path.Combine(Path.GetTempPath(), "sshtunneld-opt-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "Port 2022\nMatch User bob\n GatewayPorts yes\n");
        try
        {
            DaemonOptions o = DaemonOptions.Parse(["-T", "-f", path, "-C", "user=bob", "-p", "2300", "-h", "/my \"key\""]);
            ServerConfig c = o.LoadConfig();
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Assert.Equal(0, o.RunTest(c, stdout, stderr));
            Assert.Equal("", stderr.ToString());
            string dump = stdout.ToString();
            Assert.Contains("gatewayports yes\n", dump);
            Assert.Contains("port 2300\n", dump);
            Assert.DoesNotContain("port 2022\n", dump);
            Assert.Contains("hostkey /my \"key\"\n", dump);

            File.WriteAllText(path, "Port x\nBogus 1\n");
            var err = new StringWriter();
            Assert.Equal(255, DaemonOptions.Parse(["-t", "-f", path]).RunTest(DaemonOptions.Parse(["-f", path]).LoadConfig(), new StringWriter(), err));
            Assert.Equal($"{path} line 1: Badly formatted port number.\n{path}: line 2: Bad configuration option: Bogus\n", err.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
