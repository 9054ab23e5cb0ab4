using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SshTunnel.Tests.Interop;

/// <summary>
/// A throwaway OpenSSH sshd on 127.0.0.1 with its own temporary directory, host keys, config and port
/// (never port 22, never the user's ~/.ssh). Readiness is the "Server listening" line on sshd's stderr.
/// </summary>
internal sealed class OpenSshServer : IAsyncDisposable
{
    public const string SshdPath = "/usr/sbin/sshd";
    public const string SshKeygenPath = "/usr/bin/ssh-keygen";

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private OpenSshServer(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    /// <summary>True when sshd and ssh-keygen exist here.</summary>
    public static bool IsAvailable => File.Exists(SshdPath) && File.Exists(SshKeygenPath);

    public string Directory { get; }
    public int Port { get; }
    public string UserName => Environment.UserName;
    public string ClientKeyPath => Path.Combine(Directory, "id_ed25519");
    public string AuthorizedKeysPath => Path.Combine(Directory, "authorized_keys");
    public string KnownHostsPath => Path.Combine(Directory, "known_hosts");

    /// <summary>What sshd printed so far (attach it to failures).</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>Host key files by name (ed25519, ecdsa256, ecdsa384, ecdsa521, rsa2048).</summary>
    public IReadOnlyDictionary<string, string> HostKeys { get; private set; } = new Dictionary<string, string>();

    /// <summary>
    /// Starts sshd. <paramref name="extraConfig"/> lines are added to the config (e.g. "RekeyLimit 16M", "HostKeyAlgorithms ...").
    /// The client key (ed25519, no passphrase) is authorised; add more with <see cref="AuthorizeKey"/>.
    /// </summary>
    public static async Task<OpenSshServer> StartAsync(IEnumerable<string>? extraConfig = null, CancellationToken cancellationToken = default)
    {
        string directory = Path.Combine(Path.GetTempPath(), "sshtunnel-sshd-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        System.IO.Directory.CreateDirectory("/run/sshd"); // privilege separation directory sshd insists on
        var hostKeys = new Dictionary<string, string>();
        foreach (var (type, bits) in new[] { ("ed25519", ""), ("ecdsa", "256"), ("ecdsa", "384"), ("ecdsa", "521"), ("rsa", "2048") })
        {
            string name = type + bits;
            string path = Path.Combine(directory, "ssh_host_" + name + "_key");
            await RunAsync(SshKeygenPath, ["-q", "-t", type, .. (bits.Length > 0 ? new[] { "-b", bits } : []), "-N", "", "-f", path], cancellationToken);
            hostKeys[name] = path;
        }
        string clientKey = Path.Combine(directory, "id_ed25519");
        await RunAsync(SshKeygenPath, ["-q", "-t", "ed25519", "-N", "", "-C", "sshtunnel-test", "-f", clientKey], cancellationToken);
        File.Copy(clientKey + ".pub", Path.Combine(directory, "authorized_keys"));

        int port = GetFreePort();
        var config = new List<string>
        {
            "ListenAddress 127.0.0.1",
            $"Port {port}",
            $"PidFile {Path.Combine(directory, "sshd.pid")}",
            $"AuthorizedKeysFile {Path.Combine(directory, "authorized_keys")}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "PermitRootLogin prohibit-password",
            "AllowTcpForwarding yes",
            "GatewayPorts clientspecified",
            "PermitOpen any",
            "MaxStartups 200:30:400",
            "MaxSessions 200",
            "LogLevel VERBOSE",
        };
        config.AddRange(extraConfig ?? []);
        // HostKey lines last so an extra HostKeyAlgorithms line can still pick among them.
        config.AddRange(hostKeys.Values.Select(k => "HostKey " + k));
        string configPath = Path.Combine(directory, "sshd_config");
        await File.WriteAllLinesAsync(configPath, config, cancellationToken);

        var psi = new ProcessStartInfo(SshdPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "-D", "-e", "-f", configPath }) psi.ArgumentList.Add(arg);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("sshd did not start");
        var server = new OpenSshServer(process, directory, port) { HostKeys = hostKeys };
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("sshd exited: " + server.Log));
                return;
            }
            lock (server._log) server._log.AppendLine(e.Data);
            if (e.Data.Contains("Server listening on", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Appends a public key line to authorized_keys.</summary>
    public void AuthorizeKey(string publicKeyLine) => File.AppendAllText(AuthorizedKeysPath, publicKeyLine.TrimEnd() + "\n");

    /// <summary>Writes a known_hosts file holding this server's host keys under "[127.0.0.1]:port".</summary>
    public string WriteKnownHosts()
    {
        var lines = HostKeys.Values.Select(k => $"[127.0.0.1]:{Port} " + File.ReadAllText(k + ".pub").Trim());
        File.WriteAllLines(KnownHostsPath, lines);
        return KnownHostsPath;
    }

    /// <summary>
    /// Generates a user key in the server's directory with ssh-keygen ("-t type [-b bits] -N passphrase") and, when
    /// <paramref name="authorize"/>, adds its public half to authorized_keys. Returns the private key file's path
    /// (the public key is next to it with ".pub").
    /// </summary>
    public async Task<string> CreateUserKeyAsync(string name, string type, int bits = 0, string passphrase = "", bool authorize = true, CancellationToken cancellationToken = default)
    {
        string path = Path.Combine(Directory, name);
        await RunAsync(SshKeygenPath, ["-q", "-t", type, .. (bits > 0 ? new[] { "-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture) } : []), "-N", passphrase, "-C", name, "-f", path], cancellationToken);
        if (authorize) AuthorizeKey(await File.ReadAllTextAsync(path + ".pub", cancellationToken));
        return path;
    }

    public static async Task RunAsync(string file, IEnumerable<string> args, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.StandardOutput.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed ({p.ExitCode}): {await err}");
    }

    public static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch
        {
            // already gone
        }
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch
        {
            // best effort
        }
    }
}

/// <summary>A fact that is skipped when OpenSSH's sshd is not installed.</summary>
internal sealed class OpenSshFactAttribute : FactAttribute
{
    public OpenSshFactAttribute()
    {
        if (!OpenSshServer.IsAvailable) Skip = "OpenSSH sshd is not installed (apt-get install openssh-server)";
    }
}

/// <summary>A theory that is skipped when OpenSSH's sshd is not installed.</summary>
internal sealed class OpenSshTheoryAttribute : TheoryAttribute
{
    public OpenSshTheoryAttribute()
    {
        if (!OpenSshServer.IsAvailable) Skip = "OpenSSH sshd is not installed (apt-get install openssh-server)";
    }
}
