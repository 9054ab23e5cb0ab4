using System.Diagnostics;
using SshTunnel.Cli.Arguments;

namespace SshTunnel.Tests.Cli;

/// <summary>Runs command lines through the real ssh (skipped when /usr/bin/ssh is absent) and compares the
/// error line, or the user/port/host values, with ours.</summary>
public class OpenSshArgumentsComparisonTests
{
    private const string Ssh = "/usr/bin/ssh";

    [Theory]
    [InlineData("-pfoo x")]
    [InlineData("-p 65536 x")]
    [InlineData("-L 0:h:80 x")]
    [InlineData("-L 8080/127.0.0.1/80 x")]
    [InlineData("-R 70000:h:1 x")]
    [InlineData("-D a:0 x")]
    [InlineData("-W h x")]
    [InlineData("-o Foo=bar x")]
    [InlineData("-o Port=abc x")]
    [InlineData("-oBatchMode=maybe x")]
    [InlineData("-o ServerAliveCountMax=x x")]
    [InlineData("-o StreamLocalBindMask=999 x")]
    [InlineData("-o PermitRemoteOpen=h x")]
    [InlineData("-o Host=x x")]
    [InlineData("-e ab x")]
    [InlineData("-c nope x")]
    [InlineData("-w x:y x")]
    [InlineData("-N -s x")]
    [InlineData("-1 x")]
    [InlineData("-J a -J b x")]
    [InlineData("-O foo x")]
    [InlineData("-m nope x")]
    public void Error_line_matches_ssh(string commandLine)
    {
        if (!File.Exists(Ssh))
        {
            return;
        }

        string[] args = commandLine.Split(' ');
        SshConfigException ex = Assert.Throws<SshConfigException>(() => OpenSshArguments.Parse(args, _ => true, "/tmp"));
        (int code, string stdout, string stderr) = Run(args);
        _ = stdout;
        Assert.Equal(255, code);
        string[] theirs = stderr.Replace("\r", "", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("Pseudo-terminal", StringComparison.Ordinal)).ToArray();
        Assert.Equal(theirs[^1], ex.Lines.First(l => !l.StartsWith("hint:", StringComparison.Ordinal)));
        // ssh's log functions end lines in CR LF, its plain fprintf messages in LF: we print the same bytes.
        Assert.Equal(stderr.Contains(theirs[^1] + "\r\n", StringComparison.Ordinal), !ex.PlainText);
    }

    [Theory]
    [InlineData("x -p 2222 cmd -p 3333")]
    [InlineData("-- x -p 2222")]
    [InlineData("x -- -p 2222")]
    [InlineData("-p 2222 -p 3333 x")]
    [InlineData("-p http x")]
    [InlineData("ssh://u@h:2200 x")]
    [InlineData("a@b@c")]
    [InlineData("-l me a@b")]
    [InlineData("-o User=o -l l a@b")]
    [InlineData("-fNTp2222 x")]
    [InlineData("-oPort=2200 -p 1 x")]
    public void Destination_user_and_port_match_ssh(string commandLine)
    {
        if (!File.Exists(Ssh))
        {
            return;
        }

        string[] args = ["-F", "none", .. commandLine.Split(' ')];
        string ours = OpenSshArguments.Parse(args, _ => true, "/tmp").Resolve(null, "/nonexistent").Dump();
        (int code, string theirs, string stderr) = Run(args);
        Assert.True(code == 0, stderr);
        foreach (string key in new[] { "user ", "hostname ", "port ", "sessiontype ", "requesttty " })
        {
            Assert.Equal(
                theirs.Split('\n').First(l => l.StartsWith(key, StringComparison.Ordinal)),
                ours.Split('\n').First(l => l.StartsWith(key, StringComparison.Ordinal)));
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(string[] args)
    {
        var psi = new ProcessStartInfo(Ssh)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-G");
        if (args[0] != "-F")
        {
            psi.ArgumentList.Add("-F");
            psi.ArgumentList.Add("none");
        }

        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(10_000));
        return (p.ExitCode, output, err.Result);
    }
}
