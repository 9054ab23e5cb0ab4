using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using SshTunnel.Daemon;
using SshTunnel.Daemon.Config;
using SshTunnel.Keys;
using SshTunnel.Server;
using SshTunnel.Server.Policy;

namespace SshTunnel.Tests.Daemon;

public sealed class DaemonAuthorizerTests : IDisposable
{
    private static readonly IPEndPoint s_client = new(IPAddress.Loopback, 40000);
    private readonly string _dir = Directory.CreateTempSubdirectory("authz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("/etc/ssh/keys/%u", false)]
    [InlineData("/srv/keys/authorized_keys", false)]
    [InlineData("/home/%u/%h", true)]
    [InlineData("%h/.ssh/authorized_keys", true)]
    [InlineData(".ssh/authorized_keys", true)]
    [InlineData("%u/keys", true)]
    [InlineData("%%h", true)] // a literal "%h": over-approximated, costs only a passwd lookup
    public void Home_directory_is_looked_up_only_when_the_path_can_contain_it(string template, bool needsHome) =>
        Assert.Equal(needsHome, DaemonAuthorizer.NeedsHome(template));

    [Fact]
    public async Task Key_edits_apply_to_the_next_attempt_on_the_same_authorizer()
    {
        using Ed25519PrivateKey alice = Ed25519PrivateKey.Generate();
        using Ed25519PrivateKey other = Ed25519PrivateKey.Generate();
        string path = Path.Combine(_dir, "keys-%u");
        string file = Path.Combine(_dir, "keys-alice");
        ServerConfig config = ServerConfig.ParseText($"AuthorizedKeysFile {path}\n", "cfg");
        Assert.True(config.IsValid);
        var authorizer = new DaemonAuthorizer(config, null, _dir, NullLogger.Instance);
        var context = new PublicKeyAuthorizationContext("alice", s_client, alice.PublicKey);

        Assert.Null(await authorizer.AuthorizePublicKeyAsync(context, CancellationToken.None)); // no file yet

        await File.WriteAllTextAsync(file, alice.PublicKey.ToOpenSshString() + "\n");
        Assert.NotNull(await authorizer.AuthorizePublicKeyAsync(context, CancellationToken.None));
        Assert.NotNull(await authorizer.AuthorizePublicKeyAsync(context, CancellationToken.None));

        await File.WriteAllTextAsync(file, other.PublicKey.ToOpenSshString() + "\n"); // same size
        Assert.Null(await authorizer.AuthorizePublicKeyAsync(context, CancellationToken.None));

        await File.WriteAllTextAsync(file, "restrict " + alice.PublicKey.ToOpenSshString() + "\n");
        var policy = await authorizer.AuthorizePublicKeyAsync(context, CancellationToken.None);
        Assert.NotNull(policy);
        Assert.False(policy.CanOpenDirectTcpip("127.0.0.1", 80, out _)); // the new line's options, not a cached policy

        File.Delete(file);
        Assert.Null(await authorizer.AuthorizePublicKeyAsync(context, CancellationToken.None));
    }

    [Fact]
    public void ForUser_is_kept_per_user_and_safe_from_many_threads()
    {
        const string text = """
            AllowTcpForwarding yes
            Match User bob
                AllowTcpForwarding local
            Match User b*
                GatewayPorts yes
            """;
        ServerConfig config = ServerConfig.ParseText(text, "cfg");
        Assert.True(config.IsValid);
        string[] users = [.. Enumerable.Range(0, 64).Select(i => i % 2 == 0 ? "bob" : "user" + i)];
        var results = new ServerConfig[users.Length * 8];
        Parallel.For(0, results.Length, i => results[i] = config.ForUser(users[i % users.Length]));

        for (int i = 0; i < results.Length; i++)
        {
            string user = users[i % users.Length];
            Assert.Equal(user, results[i].User);
            Assert.Same(config.ForUser(user), results[i]);
            Assert.Equal(user == "bob" ? ForwardingDirections.Local : ForwardingDirections.All, results[i].Forwarding.AllowTcpForwarding);
        }
        Assert.True(config.IsValid);
        Assert.Empty(config.Warnings);
    }
}
