using System.Reflection;
using SshTunnel.Cli.Arguments;
using SshTunnel.Daemon.Config;
using SshTunnel.Tests.KeyFiles;

namespace SshTunnel.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of sshd_config (errors are collected, never thrown), ssh_config and the ssh command line (only
/// <see cref="SshConfigException"/>, which ssh reports with exit status 255). No Match exec command is ever run.
/// </summary>
public sealed class ConfigFuzzTests : IDisposable
{
    private const string SshdConfig = """
        Port 2222
        ListenAddress [::1]:2200
        ListenAddress 127.0.0.1
        HostKey /var/lib/sshtunneld/ssh_host_ed25519_key
        LoginGraceTime 1m30s
        MaxAuthTries 6
        MaxStartups 10:30:100
        PerSourceMaxStartups none
        PermitRootLogin prohibit-password
        AllowTcpForwarding local
        GatewayPorts clientspecified
        PermitOpen db:5432 [::1]:*
        PermitListen 8080 localhost:9000
        AllowUsers alice bob@10.0.0.0/8
        StreamLocalBindMask 0177
        Ciphers -aes128-cbc,+aes256-gcm@openssh.com
        KexAlgorithms curve25519-sha256
        HostKeyAlgorithms ssh-ed25519,rsa-sha2-*
        AuthorizedKeysFile .ssh/authorized_keys "/etc/keys/%u"
        Match User alice,!bob
            AllowTcpForwarding remote
            PermitOpen any
            ClientAliveInterval 10
        Match all
        LogLevel DEBUG2
        """;

    private const string SshConfig = """
        Host web *.example.com !bad.example.com
          HostName %h.internal
          Port 2222
          User alice
          LocalForward 8080 localhost:80
          LocalForward [127.0.0.1]:8081 [::1]:81
          RemoteForward 0 localhost:3000
          DynamicForward 1080
          IdentityFile ~/.ssh/id_%r
          ConnectTimeout 10
          ServerAliveInterval 5m
          Include extra_config
        Match host web exec "false" user alice
          ProxyJump bastion:22
          RekeyLimit 1G 1h
        Host *
          Ciphers +aes128-cbc
          SetEnv A=b "C=d e"
          ControlPath ~/.ssh/cm-%C
          IPQoS af21 cs1
        """;

    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public void SshdConfig_Mutated_NeverThrows()
    {
        (int accepted, int rejected) = FuzzRunner.RunText(301, 3000, [SshdConfig], text =>
        {
            ServerConfig config = ServerConfig.ParseText(text, "sshd_config", ["PermitOpen none"]);
            config.ForUser("alice").Dump();
            config.Dump();
        });
        Assert.Equal(0, rejected);
        Assert.True(accepted > 100, $"only {accepted} inputs in the time budget");
    }

    [Fact]
    public void SshdCommandLineOption_Mutated_NeverThrows()
    {
        string[] lines = SshdConfig.Split('\n');
        (int accepted, int rejected) = FuzzRunner.RunText(302, 3000, lines, line => ServerConfig.ParseText("", "sshd_config", [line]).Dump());
        Assert.Equal(0, rejected);
        Assert.True(accepted > 100, $"only {accepted} inputs in the time budget");
    }

    [Fact]
    public void SshConfigFile_Mutated_OnlySshConfigException()
    {
        string ssh = Directory.CreateDirectory(Path.Combine(_home.Path, ".ssh")).FullName;
        File.WriteAllText(Path.Combine(ssh, "extra_config"), "Host web\n  Compression yes\n");
        string config = Path.Combine(ssh, "config");
        string system = Path.Combine(_home.Path, "ssh_config");
        File.WriteAllText(system, "Host *\n  SendEnv LANG\n");
        (_, int rejected) = FuzzRunner.RunText(303, 600, [SshConfig], text =>
        {
            File.WriteAllText(config, text);
            ResolvedSshConfig resolved = OpenSshArguments.Parse(["-N", "alice@web"], _ => false, _home.Path).Resolve(Context(), system);
            ReadAllProperties(resolved);
        }, typeof(SshConfigException));
        Assert.True(rejected > 0);
    }

    [Fact]
    public void SshCommandLineOption_Mutated_OnlySshConfigException()
    {
        // Host, Match and Include are not allowed with -o: the seeds are the other lines.
        string[] lines = [.. SshConfig.Split('\n', StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("Host ", StringComparison.Ordinal) && !l.StartsWith("Match ", StringComparison.Ordinal) && !l.StartsWith("Include ", StringComparison.Ordinal))];
        (_, int rejected) = FuzzRunner.RunText(304, 3000, lines, line =>
        {
            ClientInvocation invocation = OpenSshArguments.Parse(["-o", line, "host"], _ => false, _home.Path);
            ReadAllProperties(invocation.Resolve(Context(), Path.Combine(_home.Path, "none")));
        }, typeof(SshConfigException));
        Assert.True(rejected > 0);
    }

    [Fact]
    public void SshCommandLine_Mutated_OnlySshConfigException()
    {
        string[][] seeds =
        [
            ["-N", "-L", "8080:server2:80", "-p", "2222", "user@server1"],
            ["-fNT", "-R", "0:localhost:3000", "-o", "ExitOnForwardFailure=yes", "ssh://u@gw:22"],
            ["-D", "[::1]:1080", "-J", "bastion", "-i", "~/.ssh/id", "-4", "-C", "gw", "ls", "-l"],
            ["-W", "[fe80::1]:22", "-l", "bob", "-E", "log", "-v", "-v", "host"],
        ];
        // The arguments are joined with NUL for mutation and split again, so mutations can add, drop and merge them.
        (_, int rejected) = FuzzRunner.RunText(305, 3000, [.. seeds.Select(s => string.Join('\0', s))], text =>
        {
            ClientInvocation invocation = OpenSshArguments.Parse(text.Split('\0'), _ => false, _home.Path);
            ReadAllProperties(invocation.Resolve(Context(), Path.Combine(_home.Path, "none")));
        }, typeof(SshConfigException));
        Assert.True(rejected > 0);
    }

    [Fact]
    public void SelfInclude_IsStoppedByTheDepthLimit()
    {
        // A file that includes itself (three times) ends at OpenSSH's depth limit on the first branch.
        string ssh = Directory.CreateDirectory(Path.Combine(_home.Path, ".ssh")).FullName;
        File.WriteAllText(Path.Combine(ssh, "config"), "Include config config config\n");
        var e = Assert.Throws<SshConfigException>(() =>
            OpenSshArguments.Parse(["host"], _ => false, _home.Path).Resolve(Context(), Path.Combine(_home.Path, "none")));
        Assert.Equal("Too many recursive configuration includes", e.Message);
    }

    [Fact]
    public void IncludeFanOut_IsBoundedInFilesOpened()
    {
        // No recursion, but more included files than any real configuration has: the total is capped.
        string ssh = Directory.CreateDirectory(Path.Combine(_home.Path, ".ssh")).FullName;
        string parts = Directory.CreateDirectory(Path.Combine(ssh, "parts")).FullName;
        for (int i = 0; i < 1025; i++) File.WriteAllText(Path.Combine(parts, $"p{i:D4}"), "");
        File.WriteAllText(Path.Combine(ssh, "config"), "Include parts/*\n");
        var e = Assert.Throws<SshConfigException>(() =>
            OpenSshArguments.Parse(["host"], _ => false, _home.Path).Resolve(Context(), Path.Combine(_home.Path, "none")));
        Assert.EndsWith("too many configuration includes (more than 1024 files)", e.Message, StringComparison.Ordinal);
    }

    private SshConfigContext Context() => new()
    {
        Host = "",
        OriginalHost = "",
        HomeDirectory = _home.Path,
        LocalUser = "tester",
        GetEnvironmentVariable = name => name == "HOME" ? _home.Path : null,
        RunCommand = _ => false, // never run a shell from fuzzed input
    };

    /// <summary>Reads every public property, as the CLI does when it builds its options (a getter that parses must not throw).</summary>
    private static void ReadAllProperties(ResolvedSshConfig resolved)
    {
        foreach (PropertyInfo property in typeof(ResolvedSshConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            try
            {
                property.GetValue(resolved);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            }
        }
    }
}
