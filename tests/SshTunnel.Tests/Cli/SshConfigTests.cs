using System.Diagnostics;
using SshTunnel.Cli.Arguments;
using SshTunnel.Forwarding;

namespace SshTunnel.Tests.Cli;

public sealed class SshConfigTests : IDisposable
{
    private const string Ssh = "/usr/bin/ssh";
    private readonly string _dir = Directory.CreateTempSubdirectory("sshtunnel-cfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    private SshConfigContext Context() => new()
    {
        Host = "",
        OriginalHost = "",
        HomeDirectory = _dir,
        LocalUser = Environment.UserName,
        RunCommand = cmd => cmd == "true",
    };

    private ResolvedSshConfig Resolve(params string[] args) =>
        OpenSshArguments.Parse(args, File.Exists, _dir).Resolve(Context(), Path.Combine(_dir, "no-system-config"));

    private const string MainConfig = """
        # comment
        Host web *.example.com !bad.example.com
          HostName %h.internal
          Port 2222
          User alice
          LocalForward 8080 localhost:80
          LocalForward [127.0.0.1]:8081 [::1]:81
          DynamicForward 1080
          RemoteForward 9000
          RemoteForward 0 localhost:22
          IdentityFile ~/.ssh/web_key
          ServerAliveInterval 30
          StrictHostKeyChecking accept-new

        Host web
          Port 3333
          User bob
          LocalForward 8080 localhost:80
          IdentityFile ~/.ssh/second
          UserKnownHostsFile ~/kh1 /etc/kh2

        Match originalhost db user root,alice,bob,*
          HostName db.internal
          LocalForward /tmp/l.sock /tmp/r.sock
          GatewayPorts yes

        Host *
          ConnectTimeout 10
          BatchMode=yes
          Compression "yes"
          ExitOnForwardFailure yes
          IdentitiesOnly yes
          LogLevel VERBOSE
          ProxyJump u@10.0.0.1:2200
        """;

    [Fact]
    public void Host_blocks_first_value_wins_and_forwards_accumulate()
    {
        string cfg = Write("config", MainConfig);
        ResolvedSshConfig r = Resolve("-F", cfg, "-p", "4444", "web");
        Assert.Equal("web.internal", r.HostName);
        Assert.Equal(4444, r.Port);
        Assert.Equal("alice", r.User);
        Assert.Equal(
            ["8080 [localhost]:80", "[127.0.0.1]:8081 [::1]:81", "1080"],
            r.LocalForwards.Select(f => f.ToString()));
        Assert.Equal(["9000 [socks]:0", "0 [localhost]:22"], r.RemoteForwards.Select(f => f.ToString()));
        Assert.Equal([Path.Combine(_dir, ".ssh/web_key"), Path.Combine(_dir, ".ssh/second")], r.IdentityFiles);
        Assert.Equal([Path.Combine(_dir, "kh1"), "/etc/kh2"], r.UserKnownHostsFiles);
        Assert.Equal(30, r.ServerAliveInterval);
        Assert.Equal("accept-new", r.StrictHostKeyChecking);
        Assert.Equal(TimeSpan.FromSeconds(10), r.ConnectTimeout);
        Assert.True(r.BatchMode && r.Compression && r.ExitOnForwardFailure && r.IdentitiesOnly);
        Assert.Equal("VERBOSE", r.LogLevel);
        Assert.Equal(new SshDestination("u", "10.0.0.1", 2200), Assert.Single(r.JumpHosts));
    }

    [Fact]
    public void Negated_host_pattern_skips_the_block()
    {
        ResolvedSshConfig r = Resolve("-F", Write("config", MainConfig), "bad.example.com");
        Assert.Equal(22, r.Port);
        Assert.Equal("bad.example.com", r.HostName);
        Assert.Empty(r.RemoteForwards);
        ResolvedSshConfig good = Resolve("-F", Write("config2", MainConfig), "a.example.com");
        Assert.Equal(2222, good.Port);
    }

    [Fact]
    public void Match_and_defaults()
    {
        ResolvedSshConfig r = Resolve("-F", Write("config", MainConfig), "db");
        Assert.Equal("db.internal", r.HostName);
        Assert.True(r.GatewayPorts);
        ForwardSpec f = Assert.Single(r.LocalForwards);
        Assert.Equal(("/tmp/l.sock", "/tmp/r.sock"), (f.ListenPath, f.ConnectPath));
        Assert.Equal("ask", Resolve("-F", "none", "x").StrictHostKeyChecking);
        Assert.Equal(ResolvedSshConfig.DefaultIdentityFiles.Length, Resolve("-F", "none", "x").IdentityFiles.Count);
    }

    [Fact]
    public void Match_exec_final_all_and_negation()
    {
        string cfg = Write("config", """
            Match exec "false"
              Port 1
            Match !exec "false" host x
              User execuser
            Match final
              HostName final.example
              Compression yes
            Match all
              Port 2
            """);
        ResolvedSshConfig r = Resolve("-F", cfg, "x");
        Assert.Equal("execuser", r.User);
        Assert.Equal(2, r.Port);
        // The final pass runs with HostName already set to the host, so a HostName there is ignored (as in OpenSSH).
        Assert.Equal("x", r.HostName);
        Assert.True(r.Compression);
    }

    [Fact]
    public void Include_is_relative_to_dot_ssh_with_globs_and_keeps_the_outer_block_state()
    {
        Directory.CreateDirectory(Path.Combine(_dir, ".ssh", "conf.d"));
        Write(".ssh/conf.d/10-a.conf", "Host x\n  Port 1010\n");
        Write(".ssh/conf.d/20-b.conf", "Match host nomatch\n  User nobody\n");
        string cfg = Write("config", "Include conf.d/*.conf\nUser afterinclude\n");
        ResolvedSshConfig r = Resolve("-F", cfg, "x");
        Assert.Equal(1010, r.Port);
        Assert.Equal("afterinclude", r.User);
    }

    [Fact]
    public void ClearAllForwardings_and_stdio_forwarding_clear_forwards()
    {
        Assert.Empty(Resolve("-F", "none", "-o", "ClearAllForwardings=yes", "-L", "1:h:2", "x").LocalForwards);
        ResolvedSshConfig w = Resolve("-F", "none", "-W", "h:22", "-L", "1:h:2", "x");
        Assert.Empty(w.LocalForwards);
        Assert.True(w.ExitOnForwardFailure);
    }

    [Theory]
    [InlineData("Port abc\n", "line 1: Bad port 'abc'.")]
    [InlineData("Bogus yes\n", ": line 1: Bad configuration option: bogus")]
    [InlineData("Host x\n  BatchMode maybe\n", "line 2: unsupported option \"maybe\".")]
    [InlineData("Host x\n  LocalForward 8080\n", "line 2: Missing target argument.")]
    [InlineData("Host x\n  DynamicForward 0\n", "line 2: Bad forwarding specification.")]
    [InlineData("Match\n", "line 1: no argument after keyword \"match\"")]
    [InlineData("Match user\n", "line 1: Bad Match condition")]
    [InlineData("Match bogus x\n", "line 1: Bad Match condition")]
    [InlineData("Match all host x\n", "line 1: Bad Match condition")]
    [InlineData("Match host\n", "line 1: Bad Match condition")]
    public void Config_errors_name_file_and_line_and_stop(string text, string expected)
    {
        string cfg = Write("bad", text);
        SshConfigException ex = Assert.Throws<SshConfigException>(() => Resolve("-F", cfg, "x"));
        Assert.Contains(ex.Lines, l => l.StartsWith(cfg, StringComparison.Ordinal) && l.EndsWith(expected, StringComparison.Ordinal));
        Assert.Equal($"{cfg}: terminating, 1 bad configuration options", ex.Lines[^1]);
    }

    [Fact]
    public void Missing_F_file_is_fatal()
    {
        var ex = Assert.Throws<SshConfigException>(() => Resolve("-F", Path.Combine(_dir, "nope"), "x"));
        Assert.StartsWith("Can't open user config file ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IgnoreUnknown_skips_listed_keywords()
    {
        string cfg = Write("config", "IgnoreUnknown UseKeychain,Foo*\nUseKeychain yes\nFoobar 1\nPort 7\n");
        Assert.Equal(7, Resolve("-F", cfg, "x").Port);
    }

    [Fact]
    public void Group_writable_user_config_is_rejected()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Directory.CreateDirectory(Path.Combine(_dir, ".ssh"));
        string path = Write(".ssh/config", "Port 5\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite);
        var ex = Assert.Throws<SshConfigException>(() => Resolve("x"));
        Assert.Equal($"Bad owner or permissions on {path}", ex.Message);
    }

    [Theory]
    [InlineData("web")]
    [InlineData("db")]
    [InlineData("a.example.com")]
    [InlineData("bad.example.com")]
    [InlineData("other", "-o", "StrictHostKeyChecking=no", "-4", "-g", "-C", "-q", "-N", "-L", "5555:[::1]:22", "-R", "/r.sock:/l.sock", "-D", "x:1081")]
    [InlineData("web", "-p", "2", "-l", "carol", "-o", "ServerAliveInterval=1h", "-o", "PermitRemoteOpen=h:1 [::1]:2", "-o", "RekeyLimit=1G 1h", "-T", "-f", "-N")]
    [InlineData("web", "-W", "h:22")]
    [InlineData("web", "-vv", "-o", "ClearAllForwardings=yes", "-o", "ConnectTimeout=none", "-o", "ProxyJump=none")]
    public void Dump_matches_ssh_G(string host, params string[] extra)
    {
        if (!File.Exists(Ssh))
        {
            return;
        }

        string cfg = Write("config", MainConfig + "\nHost *\n  IdentityFile ~/.ssh/id_test\n");
        string[] args = ["-F", cfg, .. extra, host];
        // ssh expands ~ with the passwd home directory, so resolve with the real home here.
        SshConfigContext context = new() { Host = "", OriginalHost = "", RunCommand = cmd => cmd == "true" };
        string ours = OpenSshArguments.Parse(args, File.Exists, _dir).Resolve(context, "/nonexistent").Dump();
        string theirs = RunSshG(args);
        Dictionary<string, List<string>> real = Group(theirs);
        foreach ((string keyword, List<string> lines) in Group(ours))
        {
            if (keyword == "serveraliveinterval" && real["batchmode"][0] == "batchmode yes")
            {
                continue; // Debian's ssh defaults ServerAliveInterval to 300 in batch mode; upstream does not.
            }

            Assert.True(real.TryGetValue(keyword, out List<string>? expected), $"ssh -G has no '{keyword}'");
            // OpenSSH 9.2 prints QUIET as SILENT; 10.x as QUIET.
            Assert.Equal(expected.Select(l => l.Replace("SILENT", "QUIET", StringComparison.Ordinal)), lines);
        }
    }

    private static Dictionary<string, List<string>> Group(string dump)
    {
        var d = new Dictionary<string, List<string>>();
        foreach (string line in dump.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string key = line.Split(' ')[0];
            if (!d.TryGetValue(key, out List<string>? list))
            {
                d[key] = list = [];
            }

            list.Add(line);
        }

        return d;
    }

    private string RunSshG(string[] args)
    {
        var psi = new ProcessStartInfo(Ssh)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-G");
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(10_000));
        Assert.True(p.ExitCode == 0, err.Result);
        return output;
    }
}
