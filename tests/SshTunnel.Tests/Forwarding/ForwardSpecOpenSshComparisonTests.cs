using System.Diagnostics;
using SshTunnel.Forwarding;

namespace SshTunnel.Tests.Forwarding;

/// <summary>Runs every parser case through the real <c>ssh -G</c> (skipped when /usr/bin/ssh is absent).</summary>
public class ForwardSpecOpenSshComparisonTests
{
    private const string Ssh = "/usr/bin/ssh";

    [Theory]
    [MemberData(nameof(ForwardSpecParserTests.Cases), MemberType = typeof(ForwardSpecParserTests))]
    public void Matches_ssh_G(char option, string spec, string? expected, ForwardSpecKind? kind)
    {
        _ = kind;
        if (!File.Exists(Ssh))
        {
            return;
        }

        (int exitCode, string stdout, string stderr) = RunSshG("-" + option, spec);
        if (expected is null)
        {
            Assert.Equal(255, exitCode);
            string word = option switch { 'L' => "local", 'R' => "remote", _ => "dynamic" };
            Assert.Contains($"Bad {word} forwarding specification '{spec}'", stderr, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(0, exitCode);
        ForwardSpec forward = option switch
        {
            'L' => ForwardSpecParser.ParseLocal(spec, ForwardSpecParserTests.Env),
            'R' => ForwardSpecParser.ParseRemote(spec, ForwardSpecParserTests.Env),
            _ => ForwardSpecParser.ParseDynamic(spec, ForwardSpecParserTests.Env),
        };
        string[] actual = stdout.Split('\n')
            .Where(l => l.StartsWith("localforward ", StringComparison.Ordinal) ||
                        l.StartsWith("remoteforward ", StringComparison.Ordinal) ||
                        l.StartsWith("dynamicforward ", StringComparison.Ordinal))
            .ToArray();
        Assert.Equal(ExpectedDump(forward), actual);
    }

    /// <summary>What OpenSSH's dump_cfg_forwards prints for one forward, including its habit of also listing a local
    /// forward to a Unix path as a dynamicforward.</summary>
    private static string[] ExpectedDump(ForwardSpec f) => f.Kind switch
    {
        ForwardSpecKind.Dynamic => ["dynamicforward " + f.ListenText],
        ForwardSpecKind.Remote => ["remoteforward " + f],
        _ when f.ConnectPath is not null => ["dynamicforward " + f.ListenText, "localforward " + f],
        _ => ["localforward " + f],
    };

    private static (int ExitCode, string Stdout, string Stderr) RunSshG(string option, string spec)
    {
        var psi = new ProcessStartInfo(Ssh)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-G", "-F", "none", option, spec, "example.invalid" })
        {
            psi.ArgumentList.Add(a);
        }

        foreach ((string name, string value) in ForwardSpecParserTests.s_env)
        {
            psi.Environment[name] = value;
        }

        psi.Environment.Remove("NOPE");
        psi.Environment.Remove("NOPE2");
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(10_000), "ssh -G did not finish");
        return (process.ExitCode, stdout, stderr.GetAwaiter().GetResult());
    }
}
