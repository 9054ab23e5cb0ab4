using SshTunnel.Authentication;
using SshTunnel.Client;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Tests.Infrastructure;

namespace SshTunnel.Tests.Interop;

/// <summary>
/// One sshd for the library-level client tests, started on first use, with a user key of every type authorised and
/// public key signatures limited to rsa-sha2-512 for RSA (so an RSA login proves rsa-sha2-512 was used).
/// </summary>
public sealed class ClientInteropFixture : IAsyncLifetime
{
    /// <summary>The passphrase of the encrypted ed25519 user key.</summary>
    internal const string Passphrase = "correct horse battery staple";

    /// <summary>sshd's PubkeyAcceptedAlgorithms: no ssh-rsa (SHA-1), no rsa-sha2-256.</summary>
    internal const string AcceptedAlgorithms = "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512";

    private readonly SemaphoreSlim _lock = new(1, 1);
    private OpenSshServer? _server;

    /// <summary>User key files by name: ed25519, ecdsa256, ecdsa384, ecdsa521, rsa2048, ed25519-encrypted (authorised), unauthorised.</summary>
    internal Dictionary<string, string> UserKeys { get; } = [];

    internal async Task<OpenSshServer> GetAsync()
    {
        await _lock.WaitAsync();
        try
        {
            if (_server is not null) return _server;
            OpenSshServer server = await OpenSshServer.StartAsync([$"PubkeyAcceptedAlgorithms {AcceptedAlgorithms}"]).WithTimeout();
            try
            {
                UserKeys["ed25519"] = server.ClientKeyPath;
                var keys = new (string Name, string Type, int Bits, string Passphrase, bool Authorize)[]
                {
                    ("ecdsa256", "ecdsa", 256, "", true),
                    ("ecdsa384", "ecdsa", 384, "", true),
                    ("ecdsa521", "ecdsa", 521, "", true),
                    ("rsa2048", "rsa", 2048, "", true),
                    ("ed25519-encrypted", "ed25519", 0, Passphrase, true),
                    ("unauthorised", "ed25519", 0, "", false),
                };
                await Task.WhenAll(keys.Select(async k => UserKeys[k.Name] = await server.CreateUserKeyAsync("user_" + k.Name, k.Type, k.Bits, k.Passphrase, authorize: false)));
                foreach (var k in keys.Where(k => k.Authorize)) server.AuthorizeKey(await File.ReadAllTextAsync(UserKeys[k.Name] + ".pub"));
                server.WriteKnownHosts();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
            return _server = server;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Connects with <paramref name="identities"/> (BatchMode, no agent), checking the host key against the server's known_hosts strictly.</summary>
    internal static Task<SshClient> ConnectAsync(OpenSshServer server, IReadOnlyList<ClientIdentity> identities, Action<SshClientOptionsBuilder>? configure = null)
    {
        var verifier = new KnownHostsVerifier
        {
            Mode = StrictHostKeyChecking.Yes,
            UserKnownHostsFiles = [server.KnownHostsPath],
            GlobalKnownHostsFiles = [],
            BatchMode = true,
        };
        var builder = new SshClientOptionsBuilder();
        configure?.Invoke(builder);
        var options = new SshClientOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            Ciphers = builder.Ciphers,
            VerifyHostKeyAsync = verifier.VerifyAsync,
            Authentication = new ClientAuthenticationOptions
            {
                UserName = server.UserName,
                Host = "127.0.0.1",
                Identities = identities,
                IdentityAgent = "none",
                IdentitiesOnly = true,
                BatchMode = true,
                PreferredAuthentications = ["publickey"],
            },
        };
        return SshClient.ConnectAsync(options).WithTimeout();
    }

    /// <summary>Connects with the server's default (ed25519) client key.</summary>
    internal static Task<SshClient> ConnectAsync(OpenSshServer server, Action<SshClientOptionsBuilder>? configure = null)
        => ConnectAsync(server, [new ClientIdentity(PrivateKeyFile.Load(server.ClientKeyPath), server.ClientKeyPath)], configure);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _lock.Dispose();
    }
}

/// <summary>Per-test tweaks to the client options.</summary>
internal sealed class SshClientOptionsBuilder
{
    public IReadOnlyList<string>? Ciphers { get; set; }
}
