using SshTunnel.Daemon.Config;
using SshTunnel.Server.Policy;

namespace SshTunnel.Tests.Daemon;

public class ServerConfigTests
{
    private static ServerConfig Parse(string text, params string[] options) => ServerConfig.ParseText(text, "cfg", options);

    private static ServerConfig Valid(string text, params string[] options)
    {
        ServerConfig c = Parse(text, options);
        Assert.True(c.IsValid, string.Join("\n", c.Errors));
        return c;
    }

    [Fact]
    public void Defaults_are_sshds()
    {
        ServerConfig c = Valid("");
        Assert.Equal([22], c.Ports);
        Assert.Equal([new ListenAddressSpec("0.0.0.0", 22), new ListenAddressSpec("::", 22)], c.ListenAddresses);
        Assert.Equal([".ssh/authorized_keys", ".ssh/authorized_keys2"], c.AuthorizedKeysFiles);
        Assert.True(c.PubkeyAuthentication);
        Assert.True(c.PasswordAuthentication);
        Assert.True(c.KbdInteractiveAuthentication);
        Assert.Equal(ForwardingDirections.All, c.Forwarding.AllowTcpForwarding);
        Assert.Equal(ForwardingDirections.None, c.Forwarding.AllowStreamLocalForwarding); // deliberately not sshd's default: one service account serves every user
        Assert.False(c.Forwarding.DisableForwarding);
        Assert.Equal(GatewayPortsMode.No, c.Forwarding.GatewayPorts);
        Assert.True(c.Forwarding.PermitOpen.IsAny);
        Assert.True(c.Forwarding.PermitListen.IsAny);
        Assert.Equal(6, c.MaxAuthTries);
        Assert.Equal(10, c.MaxSessions);
        Assert.Equal(new MaxStartupsSpec(10, 30, 100), c.MaxStartups);
        Assert.Equal(TimeSpan.FromSeconds(120), c.LoginGraceTime);
        Assert.Equal(TimeSpan.Zero, c.ClientAliveInterval);
        Assert.Equal(3, c.ClientAliveCountMax);
        Assert.Equal("INFO", c.LogLevel);
        Assert.Equal(PermitRootLogin.ProhibitPassword, c.PermitRootLogin);
        Assert.Null(c.PasswordFile);
        Assert.Empty(c.Warnings);
    }

    [Fact]
    public void Every_keyword_is_read()
    {
        const string text = """
            # comment
            Port 2222
            Port=2223
            ListenAddress 127.0.0.1
            ListenAddress [::1]:2200
            ListenAddress ::2
            HostKey /etc/k1
            HostKey "/etc/k 2"
            AuthorizedKeysFile .ssh/a %h/b "/keys/%u x"
            AllowUsers alice bob@192.0.2.0/24
            AllowUsers carol
            DenyUsers mallory
            PubkeyAuthentication no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin no
            AllowTcpForwarding local
            AllowStreamLocalForwarding remote
            DisableForwarding yes
            GatewayPorts clientspecified
            PermitOpen db:5432 [::1]:22 *:443
            PermitListen 8080 localhost:*
            MaxAuthTries 3
            MaxSessions 20
            MaxStartups 5:50:30
            LoginGraceTime 1h30m
            ClientAliveInterval 15s
            ClientAliveCountMax 4
            LogLevel verbose
            Ciphers aes256-gcm@openssh.com,aes128-ctr
            MACs hmac-sha2-512-etm@openssh.com
            KexAlgorithms curve25519-sha256
            HostKeyAlgorithms ssh-ed25519
            MaxSessions 99
            PasswordFile /etc/sshtunneld/passwd
            """;
        ServerConfig c = Valid(text);
        Assert.Equal([2222, 2223], c.Ports);
        Assert.Equal([new("127.0.0.1", 2222), new("127.0.0.1", 2223), new("::1", 2200), new("::2", 2222), new("::2", 2223)], c.ListenAddresses);
        Assert.Equal(["/etc/k1", "/etc/k 2"], c.HostKeys);
        Assert.Equal([".ssh/a", "%h/b", "/keys/%u x"], c.AuthorizedKeysFiles);
        Assert.Equal(["alice", "bob@192.0.2.0/24", "carol"], c.AllowUsers);
        Assert.Equal(["mallory"], c.DenyUsers);
        Assert.False(c.PubkeyAuthentication);
        Assert.False(c.PasswordAuthentication);
        Assert.False(c.KbdInteractiveAuthentication);
        Assert.Equal(PermitRootLogin.No, c.PermitRootLogin);
        Assert.Equal(ForwardingDirections.Local, c.Forwarding.AllowTcpForwarding);
        Assert.Equal(ForwardingDirections.Remote, c.Forwarding.AllowStreamLocalForwarding);
        Assert.True(c.Forwarding.DisableForwarding);
        Assert.Equal(GatewayPortsMode.ClientSpecified, c.Forwarding.GatewayPorts);
        Assert.Equal([new PermitRule("db", 5432), new PermitRule("::1", 22), new PermitRule("*", 443)], c.Forwarding.PermitOpen.Rules);
        Assert.Equal([new PermitRule("*", 8080), new PermitRule("localhost", PermitRule.AnyPort)], c.Forwarding.PermitListen.Rules);
        Assert.Equal(3, c.MaxAuthTries);
        Assert.Equal(20, c.MaxSessions); // first value wins
        Assert.Equal(new MaxStartupsSpec(5, 50, 30), c.MaxStartups);
        Assert.Equal(TimeSpan.FromSeconds(5400), c.LoginGraceTime);
        Assert.Equal(TimeSpan.FromSeconds(15), c.ClientAliveInterval);
        Assert.Equal(4, c.ClientAliveCountMax);
        Assert.Equal("VERBOSE", c.LogLevel);
        Assert.Equal(["aes256-gcm@openssh.com", "aes128-ctr"], c.Ciphers);
        Assert.Equal(["hmac-sha2-512-etm@openssh.com"], c.Macs);
        Assert.Equal(["curve25519-sha256"], c.KexAlgorithms);
        Assert.Equal(["ssh-ed25519"], c.HostKeyAlgorithms);
        Assert.Equal("/etc/sshtunneld/passwd", c.PasswordFile);
    }

    [Theory]
    [InlineData("Port 22\nport 23", new[] { 22, 23 })]
    [InlineData("PORT=24", new[] { 24 })]
    [InlineData("  Port = 25  # trailing comment", new[] { 25 })]
    [InlineData("Port\t26", new[] { 26 })]
    [InlineData("Port ssh", new[] { 22 })]
    public void Syntax_forms(string text, int[] ports) => Assert.Equal(ports, Valid(text).Ports);

    [Theory]
    [InlineData("30", 30)]
    [InlineData("2m", 120)]
    [InlineData("1h30m", 5400)]
    [InlineData("1H1M1S", 3661)]
    [InlineData("1d", 86400)]
    [InlineData("1w", 604800)]
    [InlineData("0", 0)]
    public void Time_values(string value, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Valid("LoginGraceTime " + value).LoginGraceTime);

    [Theory]
    [InlineData("Ciphers +aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com")]
    [InlineData("Ciphers -chacha20-poly1305@openssh.com", "aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com")]
    [InlineData("Ciphers -*ctr", "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com")]
    [InlineData("Ciphers ^aes256-gcm@openssh.com", "aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com")]
    [InlineData("KexAlgorithms -ecdh-*", "curve25519-sha256,curve25519-sha256@libssh.org")]
    [InlineData("HostKeyAlgorithms +ssh-rsa", "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256,ssh-rsa")]
    [InlineData("HostKeyAlgorithms ecdsa-*", "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521")]
    [InlineData("MACs ^hmac-sha2-512-etm@openssh.com", "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha2-512")]
    [InlineData("MACs -*-etm@openssh.com", "hmac-sha2-256,hmac-sha2-512")]
    public void Algorithm_list_modifiers(string line, string expected)
    {
        ServerConfig c = Valid(line);
        string keyword = line.Split(' ')[0].ToLowerInvariant();
        Assert.Contains($"{keyword} {expected}", c.DumpLines());
    }

    [Theory]
    [InlineData("Foo bar", "cfg: line 2: Bad configuration option: Foo")]
    [InlineData("Port", "cfg line 2: no argument after keyword \"Port\"")]
    [InlineData("Port \"22", "cfg line 2: invalid quotes")]
    [InlineData("Port 99999", "cfg line 2: Badly formatted port number.")]
    [InlineData("Port 0", "cfg line 2: Badly formatted port number.")]
    [InlineData("Port \"\"", "cfg line 2: missing port number.")]
    [InlineData("Port 22 23", "cfg line 2: keyword Port extra arguments at end of line")]
    [InlineData("ListenAddress [::1", "cfg line 2: bad address:port usage")]
    [InlineData("ListenAddress 1.2.3.4:0", "cfg line 2: bad port number")]
    [InlineData("ListenAddress 1.2.3.4 foo", "cfg line 2: bad ListenAddress syntax")]
    [InlineData("HostKey \"\"", "cfg line 2: missing file name.")]
    [InlineData("LoginGraceTime 5x", "cfg line 2: invalid time value.")]
    [InlineData("ClientAliveInterval -1", "cfg line 2: invalid time value.")]
    [InlineData("MaxAuthTries abc", "cfg line 2: MaxAuthTries integer value invalid.")]
    [InlineData("MaxSessions -1", "cfg line 2: MaxSessions integer value too small.")]
    [InlineData("ClientAliveCountMax 99999999999", "cfg line 2: ClientAliveCountMax integer value too large.")]
    [InlineData("LogLevel foo", "cfg line 2: unsupported log level 'foo'")]
    [InlineData("GatewayPorts maybe", "cfg line 2: unsupported option \"maybe\".")]
    [InlineData("AllowTcpForwarding sometimes", "cfg line 2: unsupported option \"sometimes\".")]
    [InlineData("PasswordAuthentication 1", "cfg line 2: unsupported option \"1\".")]
    [InlineData("PermitOpen any host:1", "cfg line 2: keyword PermitOpen extra arguments at end of line")]
    [InlineData("PermitOpen host", "cfg line 2: PermitOpen bad port number")]
    [InlineData("PermitListen host:0", "cfg line 2: PermitListen bad port number")]
    [InlineData("PermitOpen [::1:22", "cfg line 2: PermitOpen missing host")]
    [InlineData("AllowUsers bob@10.0.0.1/8", "cfg line 2: invalid AllowUsers pattern: \"bob@10.0.0.1/8\"")]
    [InlineData("AuthorizedKeysFile \"\"", "cfg line 2: keyword AuthorizedKeysFile empty argument")]
    [InlineData("Ciphers aes128-cbc,foo", "cfg line 2: Bad SSH2 cipher spec 'aes128-cbc,foo'.")]
    [InlineData("Ciphers aes*", "cfg line 2: Bad SSH2 cipher spec 'aes*'.")]
    [InlineData("Ciphers -*", "cfg line 2: Bad SSH2 cipher spec '-*'.")]
    [InlineData("MACs hmac-sha1", "cfg line 2: Bad SSH2 mac spec 'hmac-sha1'.")]
    [InlineData("KexAlgorithms diffie-hellman-group1-sha1", "cfg line 2: Bad SSH2 KexAlgorithms 'diffie-hellman-group1-sha1'.")]
    [InlineData("HostKeyAlgorithms ssh-dss", "cfg line 2: Bad key types 'ssh-dss'.")]
    [InlineData("MaxStartups 10:30", "cfg line 2: Invalid MaxStartups spec.")]
    [InlineData("MaxStartups 20:30:10", "cfg line 2: Invalid MaxStartups spec.")]
    [InlineData("MaxStartups 10:101:100", "cfg line 2: Invalid MaxStartups spec.")]
    [InlineData("MaxStartups 0", "cfg line 2: Invalid MaxStartups spec.")]
    [InlineData("PasswordFile \"\"", "cfg line 2: missing file name.")]
    [InlineData("Match Foo bar", "Unsupported Match attribute Foo")]
    [InlineData("Match User", "Missing Match criteria for User")]
    [InlineData("Match all User bob", "'all' cannot be combined with other Match attributes")]
    [InlineData("Match User bob\nPort 22", "cfg line 3: Directive 'Port' is not allowed within a Match block")]
    [InlineData("Match User bob\nPasswordFile /x", "cfg line 3: Directive 'PasswordFile' is not allowed within a Match block")]
    [InlineData("Match User bob\nGatewayPorts bogus", "cfg line 3: unsupported option \"bogus\".")]
    [InlineData("AllowGroups wheel", "cfg line 2: Unsupported option AllowGroups")]
    public void Errors_use_sshds_wording_and_line_numbers(string text, string expected)
    {
        ServerConfig c = Parse("# first line\n" + text);
        Assert.False(c.IsValid);
        Assert.Contains(c.Errors, e => e.Message.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void All_errors_are_collected()
    {
        ServerConfig c = Parse("Port x\nFoo 1\nGatewayPorts maybe\nMaxAuthTries 3\n");
        Assert.Equal(["cfg line 1: Badly formatted port number.", "cfg: line 2: Bad configuration option: Foo", "cfg line 3: unsupported option \"maybe\"."],
            c.Errors.Select(e => e.Message));
        Assert.Equal([1, 2, 3], c.Errors.Select(e => e.Line));
        Assert.Equal(3, c.MaxAuthTries);
    }

    [Fact]
    public void Deprecated_and_ignored_keywords_warn()
    {
        ServerConfig c = Valid("UsePrivilegeSeparation yes\nUsePAM yes\nX11Forwarding yes\nProtocol 2\nSubsystem sftp /usr/lib/sftp-server\n");
        Assert.Equal(["cfg line 1: Deprecated option UsePrivilegeSeparation", "cfg line 2: Unsupported option UsePAM",
            "cfg line 3: Unsupported option X11Forwarding", "cfg line 5: Unsupported option Subsystem"], c.Warnings.Select(w => w.Message));
    }

    [Fact]
    public void Command_line_options_win_over_the_file()
    {
        ServerConfig c = Valid("GatewayPorts yes\nMaxAuthTries 4\nPort 2222\n", "GatewayPorts=clientspecified", "MaxAuthTries 9", "Port=3333");
        Assert.Equal(GatewayPortsMode.ClientSpecified, c.Forwarding.GatewayPorts);
        Assert.Equal(9, c.MaxAuthTries);
        Assert.Equal([3333, 2222], c.Ports); // Port accumulates, as in sshd
    }

    [Fact]
    public void Command_line_errors_name_command_line()
    {
        ServerConfig c = Parse("", "Bogus=1", "Port=x", "Match User bob");
        Assert.Equal(["command-line: line 0: Bad configuration option: Bogus", "command-line line 0: Badly formatted port number.",
            "Match directive not supported as a command-line option"], c.Errors.Select(e => e.Message));
    }

    [Fact]
    public void Dash_p_ports_replace_file_ports()
    {
        ServerConfig c = ServerConfig.ParseText("Port 2222\n", "cfg", [], [4444]);
        Assert.True(c.IsValid);
        Assert.Equal([4444], c.Ports);
    }

    [Fact]
    public void Missing_file_is_an_error()
    {
        ServerConfig c = ServerConfig.Parse("/nonexistent/sshtunneld_config", []);
        Assert.Equal("/nonexistent/sshtunneld_config: No such file or directory", Assert.Single(c.Errors).Message);
    }

    [Fact]
    public void Parse_reads_a_file()
    {
        string path = Path.Combine(Path.GetTempPath(), "sshtunneld-test-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "Port 2022\nGatewayPorts yes\n");
        try
        {
            ServerConfig c = ServerConfig.Parse(path, ["Port=2023"]);
            Assert.True(c.IsValid);
            Assert.Equal([2023, 2022], c.Ports);
            Assert.Equal(GatewayPortsMode.Yes, c.Forwarding.GatewayPorts);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private const string MatchConfig = """
        AllowTcpForwarding yes
        PermitOpen any
        MaxAuthTries 5
        PasswordAuthentication yes
        Match User bob,!carol
            AllowTcpForwarding local
            PermitOpen db:5432
            PasswordAuthentication no
        Match User b*
            AllowTcpForwarding no
            GatewayPorts yes
            PermitListen 9000
        Match User alice
            DisableForwarding yes
            AuthorizedKeysFile /etc/keys/%u
            AllowStreamLocalForwarding no
        Match all
        MaxAuthTries 2
        """;

    [Fact]
    public void AuthorizedKeysFile_dot_slash_is_relative_to_the_working_directory_other_relative_paths_to_home()
    {
        ServerConfig c = Valid("", "AuthorizedKeysFile=./keys ../k/%u .ssh/authorized_keys");
        string cwd = Environment.CurrentDirectory.TrimEnd('/').Replace("%", "%%", StringComparison.Ordinal);
        Assert.Equal([cwd + "/keys", cwd + "/../k/%u", ".ssh/authorized_keys"], c.AuthorizedKeysFiles);
    }

    [Fact]
    public void Match_user_applies_per_user_first_matching_value_wins()
    {
        ServerConfig c = Valid(MatchConfig);
        Assert.Equal(ForwardingDirections.All, c.Forwarding.AllowTcpForwarding);
        Assert.Equal(5, c.MaxAuthTries); // "MaxAuthTries 2" after "Match all" is global again, and first wins

        ServerConfig bob = c.ForUser("bob");
        Assert.Equal("bob", bob.User);
        Assert.Equal(ForwardingDirections.Local, bob.Forwarding.AllowTcpForwarding);
        Assert.Equal([new PermitRule("db", 5432)], bob.Forwarding.PermitOpen.Rules);
        Assert.Equal(GatewayPortsMode.Yes, bob.Forwarding.GatewayPorts);
        Assert.Equal([new PermitRule("*", 9000)], bob.Forwarding.PermitListen.Rules);
        Assert.False(bob.PasswordAuthentication);
        Assert.Equal(c.AuthorizedKeysFiles, bob.AuthorizedKeysFiles);

        ServerConfig bert = c.ForUser("bert");
        Assert.Equal(ForwardingDirections.None, bert.Forwarding.AllowTcpForwarding);
        Assert.True(bert.Forwarding.PermitOpen.IsAny);
        Assert.True(bert.PasswordAuthentication);

        ServerConfig alice = c.ForUser("alice");
        Assert.True(alice.Forwarding.DisableForwarding);
        Assert.Equal(ForwardingDirections.None, alice.Forwarding.AllowStreamLocalForwarding);
        Assert.Equal(["/etc/keys/%u"], alice.AuthorizedKeysFiles);
        Assert.False(new ForwardingPolicy(alice.Forwarding).CanOpenDirectTcpip("h", 1, out _));

        ServerConfig carol = c.ForUser("carol");
        Assert.Equal(ForwardingDirections.All, carol.Forwarding.AllowTcpForwarding);
        Assert.True(carol.Forwarding.PermitOpen.IsAny);

        // The global object is unchanged by ForUser.
        Assert.Equal(ForwardingDirections.All, c.Forwarding.AllowTcpForwarding);
    }

    [Fact]
    public void Match_overrides_command_line_for_that_user()
    {
        ServerConfig c = Valid("Match User bob\n GatewayPorts yes\n", "GatewayPorts=clientspecified");
        Assert.Equal(GatewayPortsMode.ClientSpecified, c.Forwarding.GatewayPorts);
        Assert.Equal(GatewayPortsMode.Yes, c.ForUser("bob").Forwarding.GatewayPorts);
    }

    [Fact]
    public void Match_with_several_user_criteria_needs_all()
    {
        ServerConfig c = Valid("Match User b* User *ob\n GatewayPorts yes\n");
        Assert.Equal(GatewayPortsMode.Yes, c.ForUser("bob").Forwarding.GatewayPorts);
        Assert.Equal(GatewayPortsMode.No, c.ForUser("bill").Forwarding.GatewayPorts);
    }

    [Fact]
    public void Dump_prints_lowercase_keywords_and_values()
    {
        ServerConfig c = Valid("Port 2222\nListenAddress [::1]\nAllowTcpForwarding all\nPermitListen 8080\nMaxStartups 5\nLoginGraceTime 1m\nHostKey /k\n");
        IReadOnlyList<string> lines = c.DumpLines();
        Assert.Contains("port 2222", lines);
        Assert.Contains("listenaddress [::1]:2222", lines);
        Assert.Contains("allowtcpforwarding yes", lines);
        Assert.Contains("permitlisten *:8080", lines);
        Assert.Contains("permitopen any", lines);
        Assert.Contains("maxstartups 5:30:5", lines);
        Assert.Contains("logingracetime 60", lines);
        Assert.Contains("hostkey /k", lines);
        Assert.Contains("gatewayports no", lines);
        Assert.Contains("authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2", lines);
        Assert.Contains("passwordfile none", lines);
        Assert.All(lines, l => Assert.Equal(l.Split(' ')[0].ToLowerInvariant(), l.Split(' ')[0]));
        Assert.EndsWith("\n", c.Dump());
    }

    [Fact]
    public void Random_garbage_never_throws()
    {
        var random = new Random(4321);
        const string alphabet = "PortMatchUser =\"'#\\ \t\nabc123:*[]!,";
        for (int n = 0; n < 300; n++)
        {
            char[] chars = new char[random.Next(0, 120)];
            for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
            ServerConfig c = ServerConfig.ParseText(new string(chars), "fuzz");
            c.ForUser("bob").DumpLines();
        }
    }
}
