using SshTunnel.Authentication;
using SshTunnel.Errors;
using SshTunnel.Keys;
using static SshTunnel.Tests.Authentication.AuthTestKit;

namespace SshTunnel.Tests.Authentication;

/// <summary>Our client against our server over an in-memory packet pipe, with real keys.</summary>
public class ClientServerAuthenticationTests
{
    [Theory]
    [InlineData("ssh-ed25519")]
    [InlineData("ecdsa-sha2-nistp256")]
    [InlineData("ecdsa-sha2-nistp384")]
    [InlineData("ecdsa-sha2-nistp521")]
    [InlineData("ssh-rsa")]
    public async Task PublicKey_Succeeds_ForEveryKeyType(string keyType)
    {
        SshPrivateKey key = CreateKey(keyType);
        var calls = new List<(string, SshPublicKey)>();
        var server = new ServerAuthenticationOptions
        {
            IsPublicKeyAuthorized = (user, k, _) => { lock (calls) calls.Add((user, k)); return ValueTask.FromResult(k.Equals(key.PublicKey)); },
        };

        RunResult run = await RunAsync(ClientOptions(key), server);

        Assert.Null(run.ClientError);
        Assert.NotNull(run.Server);
        Assert.Equal("alice", run.Server.UserName);
        Assert.Equal("publickey", run.Server.MethodName);
        Assert.Equal(key.PublicKey, run.Server.PublicKey);
        Assert.Equal(key.PublicKey.Fingerprint, run.Server.KeyFingerprint);
        Assert.Equal(2, calls.Count); // the query (PK_OK) and the signed request
        Assert.All(calls, c => Assert.Equal(("alice", key.PublicKey), c));
    }

    [Fact]
    public async Task Rsa_WithOnlyRsaSha2256InServerSigAlgs_Succeeds()
    {
        SshPrivateKey key = CreateKey("ssh-rsa");
        var server = new ServerAuthenticationOptions { IsPublicKeyAuthorized = (_, k, _) => ValueTask.FromResult(k.Equals(key.PublicKey)) };
        RunResult run = await RunAsync(ClientOptions(key), server, pipe => pipe.ServerSignatureAlgorithms = ["ssh-ed25519", "rsa-sha2-256"]);
        Assert.Null(run.ClientError);
        Assert.Equal("publickey", run.Server?.MethodName);
    }

    [Fact]
    public async Task UnknownKey_ThenPassword_Succeeds()
    {
        SshPrivateKey key = CreateKey("ssh-ed25519");
        var prompts = new List<string>();
        int keyChecks = 0;
        var server = new ServerAuthenticationOptions
        {
            IsPublicKeyAuthorized = (_, _, _) => { Interlocked.Increment(ref keyChecks); return ValueTask.FromResult(false); },
            IsPasswordValid = (user, password, _) => ValueTask.FromResult(user == "alice" && password == "s3cret"),
        };
        ClientAuthenticationOptions client = ClientOptions(key);
        client = new ClientAuthenticationOptions
        {
            UserName = client.UserName, Host = client.Host, IdentityAgent = "none", Identities = client.Identities,
            PasswordCallback = (prompt, _) => { prompts.Add(prompt); return ValueTask.FromResult<string?>("s3cret"); },
        };

        RunResult run = await RunAsync(client, server);

        Assert.Null(run.ClientError);
        Assert.Equal("password", run.Server?.MethodName);
        Assert.Null(run.Server?.PublicKey);
        Assert.Equal(["alice@gw.example's password: "], prompts);
        Assert.Equal(1, keyChecks); // only the query; the key was never signed with
    }

    [Fact]
    public async Task WrongPassword_NumberOfPasswordPrompts_Then_PermissionDenied()
    {
        int prompts = 0;
        int checks = 0;
        var server = new ServerAuthenticationOptions
        {
            IsPublicKeyAuthorized = (_, _, _) => ValueTask.FromResult(false),
            IsPasswordValid = (_, _, _) => { Interlocked.Increment(ref checks); return ValueTask.FromResult(false); },
        };
        var client = new ClientAuthenticationOptions
        {
            UserName = "alice", Host = "gw.example", IdentityAgent = "none",
            PasswordCallback = (_, _) => { prompts++; return ValueTask.FromResult<string?>("wrong"); },
        };

        RunResult run = await RunAsync(client, server);

        SshAuthenticationException e = Assert.IsType<SshAuthenticationException>(run.ClientError);
        Assert.Equal("alice@gw.example: Permission denied (publickey,password).", e.Message);
        Assert.Equal(3, prompts);
        Assert.Equal(3, checks);
        Assert.IsType<SshConnectionException>(run.ServerError); // the client closed the connection
    }

    [Fact]
    public async Task PasswordCallbackReturningNull_StopsPasswordAttempts()
    {
        int prompts = 0;
        var server = new ServerAuthenticationOptions { IsPasswordValid = (_, _, _) => ValueTask.FromResult(false) };
        var client = new ClientAuthenticationOptions
        {
            UserName = "alice", Host = "gw.example", IdentityAgent = "none",
            PasswordCallback = (_, _) => { prompts++; return ValueTask.FromResult<string?>(null); },
        };
        RunResult run = await RunAsync(client, server);
        Assert.Equal("alice@gw.example: Permission denied (password).", Assert.IsType<SshAuthenticationException>(run.ClientError).Message);
        Assert.Equal(1, prompts);
    }

    [Fact]
    public async Task MaxAuthTries_Disconnects_TooManyAuthenticationFailures()
    {
        int prompts = 0;
        var server = new ServerAuthenticationOptions { IsPasswordValid = (_, _, _) => ValueTask.FromResult(false), MaxAuthTries = 2 };
        var client = new ClientAuthenticationOptions
        {
            UserName = "alice", Host = "gw.example", IdentityAgent = "none", NumberOfPasswordPrompts = 5,
            PasswordCallback = (_, _) => { prompts++; return ValueTask.FromResult<string?>("wrong"); },
        };

        RunResult run = await RunAsync(client, server);

        Assert.Equal("Too many authentication failures for alice", Assert.IsType<SshAuthenticationException>(run.ServerError).Message);
        SshConnectionException clientError = Assert.IsType<SshConnectionException>(run.ClientError);
        Assert.Contains("Too many authentication failures", clientError.Message);
        Assert.Equal(2, prompts); // "none" is not counted; the 2nd wrong password reaches MaxAuthTries
        Assert.True(run.ServerPipe.Closed.IsCancellationRequested);
    }

    [Fact]
    public async Task ManyRejectedKeys_CountTowardsMaxAuthTries()
    {
        SshPrivateKey[] keys = [.. Enumerable.Range(0, 8).Select(_ => CreateKey("ssh-ed25519"))];
        int queries = 0;
        var server = new ServerAuthenticationOptions { IsPublicKeyAuthorized = (_, _, _) => { queries++; return ValueTask.FromResult(false); } };

        RunResult run = await RunAsync(ClientOptions(keys), server);

        Assert.IsType<SshAuthenticationException>(run.ServerError);
        Assert.IsType<SshConnectionException>(run.ClientError);
        Assert.Equal(6, queries); // OpenSSH's classic "Too many authentication failures" with many agent keys
    }

    [Fact]
    public async Task KeyboardInteractive_Succeeds_BeforePassword()
    {
        var challenges = new List<KeyboardInteractiveChallenge>();
        int passwordPrompts = 0;
        var server = new ServerAuthenticationOptions
        {
            IsPasswordValid = (_, password, _) => ValueTask.FromResult(password == "pin"),
            KbdInteractiveAuthentication = true,
        };
        var client = new ClientAuthenticationOptions
        {
            UserName = "alice", Host = "gw.example", IdentityAgent = "none",
            PasswordCallback = (_, _) => { passwordPrompts++; return ValueTask.FromResult<string?>("pin"); },
            KeyboardInteractiveCallback = (challenge, _) =>
            {
                challenges.Add(challenge);
                return ValueTask.FromResult<IReadOnlyList<string>?>(["pin"]);
            },
        };

        RunResult run = await RunAsync(client, server);

        Assert.Null(run.ClientError);
        Assert.Equal("keyboard-interactive", run.Server?.MethodName);
        Assert.Equal(0, passwordPrompts);
        KeyboardInteractiveChallenge c = Assert.Single(challenges);
        Assert.Equal("alice", c.UserName);
        Assert.Equal([new KeyboardInteractivePrompt("Password: ", false)], c.Prompts);
    }

    [Fact]
    public async Task KeyboardInteractive_WrongAnswers_AreBoundedByNumberOfPasswordPrompts_ThenPassword()
    {
        int rounds = 0;
        int passwords = 0;
        var server = new ServerAuthenticationOptions
        {
            IsPasswordValid = (_, password, _) => ValueTask.FromResult(password == "right"),
            KbdInteractiveAuthentication = true,
            MaxAuthTries = 10,
        };
        var client = new ClientAuthenticationOptions
        {
            UserName = "alice", Host = "gw.example", IdentityAgent = "none", NumberOfPasswordPrompts = 2,
            KeyboardInteractiveCallback = (_, _) => { rounds++; return ValueTask.FromResult<IReadOnlyList<string>?>(["wrong"]); },
            PasswordCallback = (_, _) => { passwords++; return ValueTask.FromResult<string?>("right"); },
        };

        RunResult run = await RunAsync(client, server);

        Assert.Null(run.ClientError);
        Assert.Equal("password", run.Server?.MethodName);
        Assert.Equal((2, 1), (rounds, passwords));
    }

    [Fact]
    public async Task BatchMode_NeverCallsCallbacks()
    {
        int calls = 0;
        var server = new ServerAuthenticationOptions
        {
            IsPublicKeyAuthorized = (_, _, _) => ValueTask.FromResult(false),
            IsPasswordValid = (_, _, _) => ValueTask.FromResult(true),
            KbdInteractiveAuthentication = true,
        };
        var client = new ClientAuthenticationOptions
        {
            UserName = "alice", Host = "gw.example", IdentityAgent = "none", BatchMode = true,
            PasswordCallback = (_, _) => { calls++; return ValueTask.FromResult<string?>("x"); },
            KeyboardInteractiveCallback = (_, _) => { calls++; return ValueTask.FromResult<IReadOnlyList<string>?>(["x"]); },
        };

        RunResult run = await RunAsync(client, server);

        Assert.Equal("alice@gw.example: Permission denied (publickey,password,keyboard-interactive).", Assert.IsType<SshAuthenticationException>(run.ClientError).Message);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task ForgedSignature_IsRejected()
    {
        SshPrivateKey victim = CreateKey("ssh-ed25519");
        SshPrivateKey attacker = CreateKey("ssh-ed25519");
        int checks = 0;
        var server = new ServerAuthenticationOptions
        {
            IsPublicKeyAuthorized = (_, k, _) => { checks++; return ValueTask.FromResult(k.Equals(victim.PublicKey)); },
        };

        RunResult run = await RunAsync(ClientOptions(new ForgingKey(victim, attacker)), server);

        Assert.Equal("alice@gw.example: Permission denied (publickey).", Assert.IsType<SshAuthenticationException>(run.ClientError).Message);
        Assert.Null(run.Server);
        Assert.Equal(1, checks); // the query; the bad signature fails before authorization
    }

    [Theory]
    [InlineData("ecdsa-sha2-nistp256")]
    [InlineData("ssh-rsa")]
    public async Task ForgedSignature_OtherKeyTypes_AreRejected(string keyType)
    {
        SshPrivateKey victim = CreateKey(keyType);
        SshPrivateKey attacker = keyType == "ssh-rsa" ? RsaPrivateKey.Generate(2048) : CreateKey(keyType);
        var server = new ServerAuthenticationOptions { IsPublicKeyAuthorized = (_, k, _) => ValueTask.FromResult(k.Equals(victim.PublicKey)) };
        RunResult run = await RunAsync(ClientOptions(new ForgingKey(victim, attacker)), server);
        Assert.IsType<SshAuthenticationException>(run.ClientError);
        Assert.Null(run.Server);
    }

    [Fact]
    public async Task Banner_IsDelivered()
    {
        SshPrivateKey key = CreateKey("ssh-ed25519");
        var banners = new List<string>();
        var server = new ServerAuthenticationOptions
        {
            IsPublicKeyAuthorized = (_, k, _) => ValueTask.FromResult(k.Equals(key.PublicKey)),
            Banner = "Authorized use only.\n",
        };
        ClientAuthenticationOptions options = ClientOptions(key);
        var client = new ClientAuthenticationOptions
        {
            UserName = options.UserName, Host = options.Host, IdentityAgent = "none", Identities = options.Identities,
            BannerCallback = banners.Add,
        };

        RunResult run = await RunAsync(client, server);

        Assert.Null(run.ClientError);
        Assert.Equal(["Authorized use only.\n"], banners);
    }

    [Fact]
    public async Task LazyKey_IsLoadedOnlyAfterPkOk()
    {
        SshPrivateKey accepted = CreateKey("ecdsa-sha2-nistp256");
        SshPrivateKey rejected = CreateKey("ssh-ed25519");
        var loads = new List<string>();
        var server = new ServerAuthenticationOptions { IsPublicKeyAuthorized = (_, k, _) => ValueTask.FromResult(k.Equals(accepted.PublicKey)) };
        var client = new ClientAuthenticationOptions
        {
            UserName = "alice", Host = "gw.example", IdentityAgent = "none",
            Identities =
            [
                new ClientIdentity(rejected.PublicKey, _ => { loads.Add("rejected"); return ValueTask.FromResult<SshPrivateKey?>(rejected); }, "id_ed25519"),
                new ClientIdentity(accepted.PublicKey, _ => { loads.Add("accepted"); return ValueTask.FromResult<SshPrivateKey?>(accepted); }, "id_ecdsa"),
            ],
        };

        RunResult run = await RunAsync(client, server);

        Assert.Null(run.ClientError);
        Assert.Equal(accepted.PublicKey, run.Server?.PublicKey);
        Assert.Equal(["accepted"], loads);
    }

    [Fact]
    public async Task LazyLoaderReturningNull_SkipsToNextKey()
    {
        SshPrivateKey first = CreateKey("ssh-ed25519");
        SshPrivateKey second = CreateKey("ssh-ed25519");
        var server = new ServerAuthenticationOptions { IsPublicKeyAuthorized = (_, _, _) => ValueTask.FromResult(true) };
        var client = new ClientAuthenticationOptions
        {
            UserName = "alice", Host = "gw.example", IdentityAgent = "none",
            Identities =
            [
                new ClientIdentity(first.PublicKey, _ => ValueTask.FromResult<SshPrivateKey?>(null)),
                new ClientIdentity(second),
            ],
        };

        RunResult run = await RunAsync(client, server);

        Assert.Null(run.ClientError);
        Assert.Equal(second.PublicKey, run.Server?.PublicKey);
    }
}
