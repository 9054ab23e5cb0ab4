using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SshTunnel.Tests.Gateway;

/// <summary>A child process whose stderr (and stdout) lines are collected; tests wait (bounded) for a line.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChildProcess(string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (string a in arguments) info.ArgumentList.Add(a);
        foreach (KeyValuePair<string, string> e in environment ?? new Dictionary<string, string>()) info.Environment[e.Key] = e.Value;
        _process = new Process { StartInfo = info };
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public int Id => _process.Id;

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public string Stdout
    {
        get { lock (_stderr) return _stdout.ToString(); }
    }

    private void Append(StringBuilder sb, string? line)
    {
        TaskCompletionSource changed;
        lock (_stderr)
        {
            if (line is not null) sb.Append(line).Append('\n');
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Waits until stderr contains <paramref name="text"/> and returns that line.</summary>
    public async Task<string> WaitForStderrAsync(string text, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_stderr)
            {
                string? line = _stderr.ToString().Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                if (line is not null) return line;
                if (_process.HasExited && _process.WaitForExit(0)) throw new Xunit.Sdk.XunitException($"process exited ({_process.ExitCode}) before \"{text}\"; stderr:\n{_stderr}");
                changed = _changed.Task;
            }
            try
            {
                await Task.WhenAny(changed, _process.WaitForExitAsync()).WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"\"{text}\" not seen; stderr:\n{Stderr}");
            }
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        _process.WaitForExit(); // flush redirected output
        return _process.ExitCode;
    }

    public void Signal(int signal) => Run("/bin/kill", "-" + signal, _process.Id.ToString());

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(file, args);
        p.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }
}

/// <summary>
/// sshtunneld as a child process (dotnet sshtunneld.dll) on 127.0.0.1 with a temporary directory holding its config,
/// state directory (where it generates its host key), a user key for alice and alice's authorized_keys.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    public const string Ssh = "/usr/bin/ssh";
    public const string SshKeygen = "/usr/bin/ssh-keygen";

    private GatewayProcess(string directory, int port, ChildProcess process)
    {
        Directory = directory;
        Port = port;
        Process = process;
    }

    public static bool HaveOpenSsh => File.Exists(Ssh) && File.Exists(SshKeygen);

    public string Directory { get; }
    public int Port { get; }
    public ChildProcess Process { get; }
    public string KeyPath => Path.Combine(Directory, "id_ed25519");
    public string StateDirectory => Path.Combine(Directory, "state");

    public static string DaemonDll => Path.Combine(AppContext.BaseDirectory, "sshtunneld.dll");

    public static string NewDirectory()
    {
        string directory = Path.Combine(Path.GetTempPath(), "sshtunneld-test-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Runs sshtunneld with extra args (e.g. -t) to completion.</summary>
    public static async Task<(int Status, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        await using var p = new ChildProcess("dotnet", [DaemonDll, .. args]);
        int status = await p.WaitForExitAsync();
        return (status, p.Stdout, p.Stderr);
    }

    /// <summary>
    /// Starts sshtunneld; alice's authorized_keys line gets <paramref name="keyOptions"/>; waits for "Server listening".
    /// With <paramref name="keysFromWorkingDirectory"/> the daemon runs in the test directory with
    /// <c>-o AuthorizedKeysFile=./keys/%u</c>, as a new user would start it.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(string? keyOptions = null, IEnumerable<string>? configLines = null, bool keysFromWorkingDirectory = false)
    {
        string directory = NewDirectory();
        string key = Path.Combine(directory, "id_ed25519");
        RunTool(SshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "alice@test", "-f", key);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "keys"));
        string publicKey = File.ReadAllText(key + ".pub").Trim();
        File.WriteAllText(Path.Combine(directory, "keys", "alice"), (keyOptions is null ? "" : keyOptions + " ") + publicKey + "\n");
        string config = Path.Combine(directory, "sshtunneld_config");
        File.WriteAllLines(config, [$"AuthorizedKeysFile {directory}/keys/%u", "LoginGraceTime 20", .. configLines ?? []]);
        int port = FreePort();
        string[] keysOption = keysFromWorkingDirectory ? ["-o", "AuthorizedKeysFile=./keys/%u"] : [];
        var process = new ChildProcess("dotnet", [DaemonDll, "-D", "-e", "-f", config, "-p", port.ToString(), "-o", "ListenAddress=127.0.0.1", .. keysOption],
            new Dictionary<string, string> { ["STATE_DIRECTORY"] = Path.Combine(directory, "state") }, keysFromWorkingDirectory ? directory : null);
        var gateway = new GatewayProcess(directory, port, process);
        try
        {
            await process.WaitForStderrAsync($"Server listening on 127.0.0.1 port {port}.");
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
        return gateway;
    }

    /// <summary>ssh -F none with a private known_hosts, BatchMode and alice's key, plus <paramref name="args"/>.</summary>
    public ChildProcess StartSsh(params string[] args) => StartSshCommand(null, args);

    /// <summary>As <see cref="StartSsh"/>, with a remote command after the destination.</summary>
    public ChildProcess StartSshCommand(string? command, params string[] args) => new(Ssh,
    [
        "-F", "none", "-o", "UserKnownHostsFile=" + Path.Combine(Directory, "known_hosts"), "-o", "StrictHostKeyChecking=no",
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", KeyPath, "-p", Port.ToString(), .. args, "alice@127.0.0.1", .. (command is null ? Array.Empty<string>() : [command]),
    ]);

    public static string RunTool(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed ({p.ExitCode}): {error}");
        return output;
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A fact that runs only where OpenSSH's ssh and ssh-keygen exist.</summary>
public sealed class OpenSshClientFactAttribute : FactAttribute
{
    public OpenSshClientFactAttribute()
    {
        if (!GatewayProcess.HaveOpenSsh) Skip = "OpenSSH client (ssh, ssh-keygen) not installed";
    }
}
