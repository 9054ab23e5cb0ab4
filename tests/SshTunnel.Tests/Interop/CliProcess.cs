using System.Diagnostics;
using System.Text;

namespace SshTunnel.Tests.Interop;

/// <summary>
/// Runs the built <c>sshtunnel</c> (as <c>dotnet sshtunnel.dll</c>) or OpenSSH's <c>ssh</c> as a child process, collecting
/// stderr line by line so a test can wait for a line (a readiness signal) instead of sleeping. Disposing kills the
/// process if it still runs.
/// </summary>
internal sealed class CliProcess : IAsyncDisposable
{
    public const string OpenSshClientPath = "/usr/bin/ssh";

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly Task _stderr;
    private readonly Task<string> _stdout;

    private CliProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _stderr = Task.Run(ReadErrorLinesAsync);
        _stdout = process.StandardOutput.ReadToEndAsync();
    }

    /// <summary>"sshtunnel" or "ssh", for messages.</summary>
    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>True when OpenSSH's ssh client is installed (for side-by-side comparisons).</summary>
    public static bool OpenSshClientAvailable => File.Exists(OpenSshClientPath);

    /// <summary>stderr lines so far, with OpenSSH's trailing '\r' removed.</summary>
    public IReadOnlyList<string> ErrorLines
    {
        get
        {
            lock (_lines) return [.. _lines];
        }
    }

    /// <summary>Starts sshtunnel with <paramref name="args"/>.</summary>
    public static CliProcess StartSshTunnel(IEnumerable<string> args) => Start(DotnetHost, [SshTunnelDll.Value, .. args], "sshtunnel");

    /// <summary>Starts OpenSSH's ssh with <paramref name="args"/>.</summary>
    public static CliProcess StartOpenSsh(IEnumerable<string> args) => Start(OpenSshClientPath, args, "ssh");

    /// <summary>Starts sshtunnel or ssh.</summary>
    public static CliProcess Start(bool openSsh, IEnumerable<string> args) => openSsh ? StartOpenSsh(args) : StartSshTunnel(args);

    private static CliProcess Start(string file, IEnumerable<string> args, string name)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        // No agent, no terminal: only the keys the test names.
        psi.Environment.Remove("SSH_AUTH_SOCK");
        psi.Environment.Remove("SSH_ASKPASS");
        psi.Environment.Remove("DISPLAY");
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        process.StandardInput.Close();
        return new CliProcess(process, name);
    }

    /// <summary>Waits for a stderr line matching <paramref name="match"/> (already seen or yet to come); fails if stderr ends first.</summary>
    /// <exception cref="TimeoutException">No such line within <paramref name="timeout"/>.</exception>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            foreach (string line in _lines)
            {
                if (match(line)) return line;
            }
            if (_stderr.IsCompleted) throw new InvalidOperationException($"{Name} ended without the expected line:\n{string.Join('\n', _lines)}");
            _waiters.Add((match, found));
        }
        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name}: no expected stderr line within {timeout.TotalSeconds} s; got:\n{string.Join('\n', ErrorLines)}");
        }
    }

    /// <summary>Waits for the process to exit (not for inherited pipes to close) and returns its exit status.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds} s; stderr:\n{string.Join('\n', ErrorLines)}");
        }
        return _process.ExitCode;
    }

    /// <summary>Waits for exit and for stderr/stdout to end; returns the exit status, stderr lines and stdout.</summary>
    public async Task<(int ExitCode, IReadOnlyList<string> Errors, string Output)> CompleteAsync(TimeSpan timeout)
    {
        int exit = await WaitForExitAsync(timeout);
        await _stderr.WaitAsync(timeout);
        string output = await _stdout.WaitAsync(timeout);
        return (exit, ErrorLines, output);
    }

    /// <summary>Completes when stderr reaches its end (every process holding the pipe, -f's background copy included, has exited).</summary>
    public Task ErrorEnded => _stderr;

    /// <summary>Sends SIGTERM.</summary>
    public Task TerminateAsync() => OpenSshServer.RunAsync("/bin/kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    private async Task ReadErrorLinesAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync() is { } raw)
            {
                string line = raw.TrimEnd('\r');
                lock (_lines)
                {
                    _lines.Add(line);
                    for (int i = _waiters.Count - 1; i >= 0; i--)
                    {
                        if (_waiters[i].Match(line))
                        {
                            _waiters[i].Found.TrySetResult(line);
                            _waiters.RemoveAt(i);
                        }
                    }
                }
            }
        }
        finally
        {
            lock (_lines)
            {
                foreach (var waiter in _waiters) waiter.Found.TrySetException(new InvalidOperationException($"{Name} ended without the expected line:\n{string.Join('\n', _lines)}"));
                _waiters.Clear();
            }
        }
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
    }

    /// <summary>The dotnet host running this test (DOTNET_HOST_PATH when set by dotnet test), else "dotnet" from PATH.</summary>
    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// src/SshTunnel.Cli/bin/&lt;Configuration&gt;/net10.0/sshtunnel.dll under the repository root (the folder holding
    /// SshTunnel.slnx above this test's output), built by the test project's reference to the CLI project. The test's
    /// own configuration is preferred; else whichever configuration was built last.
    /// </summary>
    private static readonly Lazy<string> SshTunnelDll = new(() =>
    {
        string baseDirectory = AppContext.BaseDirectory;
        DirectoryInfo? root = new(baseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SshTunnel.slnx"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException($"no SshTunnel.slnx above {baseDirectory}");
        // .../tests/SshTunnel.Tests/bin/<Configuration>/net10.0/
        string configuration = new DirectoryInfo(baseDirectory).Parent?.Name ?? "Debug";
        string binDirectory = Path.Combine(root.FullName, "src", "SshTunnel.Cli", "bin");
        string preferred = Path.Combine(binDirectory, configuration, "net10.0", "sshtunnel.dll");
        if (File.Exists(preferred)) return preferred;
        string? any = Directory.Exists(binDirectory)
            ? Directory.GetFiles(binDirectory, "sshtunnel.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        return any ?? throw new InvalidOperationException($"sshtunnel is not built: no {preferred} (dotnet build src/SshTunnel.Cli)");
    });
}
