using System.Globalization;
using SshTunnel.Tests.Gateway;

namespace SshTunnel.Tests.Independent;

/// <summary>
/// A non-OpenSSH SSH server (Dropbear, AsyncSSH, or a program of ours on Node.js ssh2 or Go x/crypto/ssh) on 127.0.0.1
/// with its own temporary directory, host keys (three types; ed25519 only for the programs), user keys authorised for
/// user "alice" (several types; ed25519 only for the programs), and a known_hosts file naming its host keys.
/// Readiness is a line on the server's stderr printed after its listening socket exists.
/// </summary>
internal sealed class IndependentServer : IAsyncDisposable
{
    /// <summary>The user every test logs in as.</summary>
    public const string UserName = "alice";

    /// <summary>User key names and (ssh-keygen) types: all are authorised.</summary>
    public static readonly (string Name, string Type, int Bits)[] UserKeyTypes =
    [
        ("ed25519", "ed25519", 0),
        ("ecdsa256", "ecdsa", 256),
        ("ecdsa384", "ecdsa", 384),
        ("ecdsa521", "ecdsa", 521),
        ("rsa2048", "rsa", 2048),
    ];

    private IndependentServer(string name, string directory, int port, ChildProcess process, Dictionary<string, string> userKeys)
    {
        Name = name;
        Directory = directory;
        Port = port;
        Process = process;
        UserKeys = userKeys;
    }

    /// <summary>"dropbear", "asyncssh", "node-ssh2" or "go-xcrypto", for messages.</summary>
    public string Name { get; }

    public string Directory { get; }

    public int Port { get; }

    public ChildProcess Process { get; }

    /// <summary>Private key files (OpenSSH format) by name, see <see cref="UserKeyTypes"/>.</summary>
    public IReadOnlyDictionary<string, string> UserKeys { get; }

    /// <summary>The ed25519 user key.</summary>
    public string ClientKeyPath => UserKeys["ed25519"];

    /// <summary>"[127.0.0.1]:port type key" for each host key.</summary>
    public string KnownHostsPath => Path.Combine(Directory, "known_hosts");

    /// <summary>What the server logged so far (attach to failures).</summary>
    public string Log => Process.Stderr;

    /// <summary>The common start: a directory and the user keys; returns the authorized_keys text.</summary>
    private static (string Directory, Dictionary<string, string> Keys, string Authorized) Prepare(string name)
    {
        string directory = IndependentTools.NewDirectory("sshtunnel-" + name + "-");
        var keys = new Dictionary<string, string>();
        var authorized = new List<string>();
        foreach (var (keyName, type, bits) in UserKeyTypes)
        {
            string path = Path.Combine(directory, "id_" + keyName);
            authorized.Add(IndependentTools.NewUserKey(path, type, bits));
            keys[keyName] = path;
        }
        return (directory, keys, string.Join('\n', authorized) + "\n");
    }

    /// <summary>
    /// Dropbear in the foreground (-F -E), with ed25519, ECDSA P-256 and RSA host keys. Dropbear reads
    /// ~/.ssh/authorized_keys of the user's passwd entry: nss_wrapper (LD_PRELOAD) gives it a passwd file of our own in
    /// which "alice" has this process's uid and a temporary home, so nothing outside the temporary directory is read
    /// or written. "Not backgrounding" is logged after the listening socket is bound.
    /// </summary>
    public static async Task<IndependentServer> StartDropbearAsync()
    {
        var (directory, keys, authorized) = Prepare("dropbear");
        try
        {
            string home = Path.Combine(directory, "home");
            string sshDirectory = Path.Combine(home, ".ssh");
            System.IO.Directory.CreateDirectory(sshDirectory);
            const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            IndependentTools.SetMode(home, Private);
            IndependentTools.SetMode(sshDirectory, Private);
            string authorizedKeys = Path.Combine(sshDirectory, "authorized_keys");
            await File.WriteAllTextAsync(authorizedKeys, authorized);
            IndependentTools.SetMode(authorizedKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite);

            var (uid, gid) = IndependentTools.CurrentIds();
            string passwd = Path.Combine(directory, "passwd");
            string group = Path.Combine(directory, "group");
            await File.WriteAllTextAsync(passwd, $"{UserName}:x:{uid}:{gid}:{UserName}:{home}:/bin/sh\n");
            await File.WriteAllTextAsync(group, $"{UserName}:x:{gid}:\n");

            var hostKeys = new List<string>();
            var publicLines = new List<string>();
            foreach (var (type, size) in new[] { ("ed25519", ""), ("ecdsa", "256"), ("rsa", "2048") })
            {
                string path = Path.Combine(directory, "dropbear_" + type + "_host_key");
                IndependentTools.RunChecked(IndependentTools.DropbearKey, ["-t", type, .. (size.Length > 0 ? new[] { "-s", size } : []), "-f", path]);
                string output = IndependentTools.RunChecked(IndependentTools.DropbearKey, "-y", "-f", path);
                publicLines.Add(output.Split('\n').Single(l => l.StartsWith("ssh-", StringComparison.Ordinal) || l.StartsWith("ecdsa-", StringComparison.Ordinal)));
                hostKeys.Add(path);
            }

            int port = GatewayProcess.FreePort();
            await File.WriteAllTextAsync(Path.Combine(directory, "known_hosts"), IndependentTools.KnownHostsLines(port, publicLines));
            var process = new ChildProcess(IndependentTools.Dropbear,
                ["-F", "-E", "-p", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "-P", Path.Combine(directory, "dropbear.pid"),
                 .. hostKeys.SelectMany(k => new[] { "-r", k })],
                new Dictionary<string, string>
                {
                    ["LD_PRELOAD"] = IndependentTools.NssWrapper!,
                    ["NSS_WRAPPER_PASSWD"] = passwd,
                    ["NSS_WRAPPER_GROUP"] = group,
                });
            var server = new IndependentServer("dropbear", directory, port, process, keys);
            try
            {
                await process.WaitForStderrAsync("Not backgrounding");
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
            return server;
        }
        catch
        {
            IndependentTools.DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>
    /// The AsyncSSH server: any user with an authorised key; direct-tcpip and tcpip-forward allowed; no sessions; it
    /// starts a key re-exchange every MiB, and sends the data packet that crossed the limit right after its KEXINIT.
    /// </summary>
    private const string AsyncSshServerScript = """
        import asyncio, sys, asyncssh
        host_keys, authorized = sys.argv[1].split(","), sys.argv[2]
        class Server(asyncssh.SSHServer):
            def begin_auth(self, username): return True
            def connection_requested(self, dest_host, dest_port, orig_host, orig_port): return True
            def server_requested(self, listen_host, listen_port): return True
        async def main():
            server = await asyncssh.create_server(Server, "127.0.0.1", 0, server_host_keys=host_keys,
                authorized_client_keys=authorized, allow_pty=False, rekey_bytes=1 << 20)
            print("listening on port", server.sockets[0].getsockname()[1], file=sys.stderr, flush=True)
            await asyncio.Event().wait()
        asyncio.run(main())
        """;

    /// <summary>
    /// AsyncSSH's server (python3-asyncssh) with ed25519, ECDSA P-256 and RSA host keys, listening on a port it picks
    /// (printed on stderr once bound: no port race), rekeying every MiB.
    /// </summary>
    public static async Task<IndependentServer> StartAsyncSshAsync()
    {
        var (directory, keys, authorized) = Prepare("asyncssh");
        try
        {
            string authorizedKeys = Path.Combine(directory, "authorized_keys");
            await File.WriteAllTextAsync(authorizedKeys, authorized);
            var hostKeys = new List<string>();
            var publicLines = new List<string>();
            foreach (var (type, bits) in new[] { ("ed25519", 0), ("ecdsa", 256), ("rsa", 2048) })
            {
                string path = Path.Combine(directory, "ssh_host_" + type + "_key");
                publicLines.Add(IndependentTools.NewUserKey(path, type, bits));
                hostKeys.Add(path);
            }
            string script = Path.Combine(directory, "server.py");
            await File.WriteAllTextAsync(script, AsyncSshServerScript);
            var process = new ChildProcess(IndependentTools.Python, ["-W", "ignore", script, string.Join(',', hostKeys), authorizedKeys]);
            IndependentServer? server = null;
            try
            {
                string line = await process.WaitForStderrAsync("listening on port ");
                int port = int.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture);
                await File.WriteAllTextAsync(Path.Combine(directory, "known_hosts"), IndependentTools.KnownHostsLines(port, publicLines));
                server = new IndependentServer("asyncssh", directory, port, process, keys);
                return server;
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
        catch
        {
            IndependentTools.DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>
    /// A server program of the tests' own (assets/) built on an independent SSH library: Node.js's ssh2 or Go's
    /// x/crypto/ssh. It gets an ed25519 host key and the one authorised ed25519 user key as its last two arguments,
    /// listens on a port it picks and prints "listening on port N" on stderr once bound.
    /// </summary>
    public static async Task<IndependentServer> StartScriptedAsync(string name, string program, IEnumerable<string> arguments)
    {
        string directory = IndependentTools.NewDirectory("sshtunnel-" + name + "-");
        try
        {
            string userKey = Path.Combine(directory, "id_ed25519");
            IndependentTools.NewUserKey(userKey, "ed25519");
            string hostKey = Path.Combine(directory, "ssh_host_ed25519_key");
            string hostLine = IndependentTools.NewUserKey(hostKey, "ed25519");
            var process = new ChildProcess(program, [.. arguments, hostKey, userKey + ".pub"]);
            try
            {
                string line = await process.WaitForStderrAsync("listening on port ");
                int port = int.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture);
                await File.WriteAllTextAsync(Path.Combine(directory, "known_hosts"), IndependentTools.KnownHostsLines(port, [hostLine]));
                return new IndependentServer(name, directory, port, process, new Dictionary<string, string> { ["ed25519"] = userKey });
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
        catch
        {
            IndependentTools.DeleteDirectory(directory);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        IndependentTools.DeleteDirectory(Directory);
    }
}

/// <summary>Starts one server on first use and shares it among a test class's tests.</summary>
public abstract class IndependentServerFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private IndependentServer? _server;

    private protected abstract Task<IndependentServer> StartAsync();

    internal async Task<IndependentServer> GetAsync()
    {
        await _lock.WaitAsync();
        try
        {
            return _server ??= await StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _lock.Dispose();
    }
}

/// <summary>One Dropbear server per test class.</summary>
public sealed class DropbearFixture : IndependentServerFixture
{
    private protected override Task<IndependentServer> StartAsync() => IndependentServer.StartDropbearAsync();
}

/// <summary>One AsyncSSH server per test class.</summary>
public sealed class AsyncSshFixture : IndependentServerFixture
{
    private protected override Task<IndependentServer> StartAsync() => IndependentServer.StartAsyncSshAsync();
}

/// <summary>One Node.js ssh2 server (assets/ssh2-server.js) per test class.</summary>
public sealed class NodeSsh2ServerFixture : IndependentServerFixture
{
    private protected override Task<IndependentServer> StartAsync() =>
        IndependentServer.StartScriptedAsync("node-ssh2", ScriptedTools.Node!, [ScriptedTools.NodeScript("ssh2-server.js")]);
}

/// <summary>One Go x/crypto/ssh server (assets/xcryptossh.go, built on first use) per test class.</summary>
public sealed class GoXCryptoServerFixture : IndependentServerFixture
{
    private protected override Task<IndependentServer> StartAsync() =>
        IndependentServer.StartScriptedAsync("go-xcrypto", ScriptedTools.XCryptoSsh, ["server"]);
}
