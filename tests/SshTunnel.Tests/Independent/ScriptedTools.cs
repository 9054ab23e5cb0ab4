using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace SshTunnel.Tests.Independent;

/// <summary>
/// The independent implementations the tests drive through programs of their own (in assets/ beside this file, read
/// from the source tree): Node.js's ssh2 (mscdex/ssh2, which .ci/run installs with npm into tests/node_modules, outside
/// the test project so its files are not compiled; node finds it walking up from assets/, or through NODE_PATH)
/// and Go's golang.org/x/crypto/ssh (Debian's golang-golang-x-crypto-dev, compiled offline at test time in GOPATH
/// mode, about 3 s, into the temporary directory under a hash of the source and the compiler, reused while it is there).
/// </summary>
internal static class ScriptedTools
{
    public const string NodePackages = "apt-get install nodejs npm openssh-client; npm install --prefix tests --no-save --ignore-scripts ssh2";
    public const string GoPackages = "apt-get install golang-go golang-golang-x-crypto-dev openssh-client";
    private const string GoPath = "/usr/share/gocode";

    /// <summary>tests/SshTunnel.Tests/Independent/assets, found from the test binaries upwards, else from this source file.</summary>
    public static string? AssetsDirectory { get; } = FindAssets();

    public static string? Node { get; } = FindOnPath("node");

    public static string? Go { get; } = FindOnPath("go") ?? (File.Exists("/usr/lib/go/bin/go") ? "/usr/lib/go/bin/go" : null);

    private static readonly Lazy<bool> NodeSsh2 = new(() => Node is not null && AssetsDirectory is not null && IndependentTools.HaveSshKeygen
        && Run(Node, ["-e", "require('ssh2')"], AssetsDirectory) == 0);

    /// <summary>node runs and require('ssh2') resolves from the assets directory.</summary>
    public static bool HaveNodeSsh2 => NodeSsh2.Value;

    /// <summary>go and the x/crypto/ssh sources are installed.</summary>
    public static bool HaveGoXCrypto => Go is not null && AssetsDirectory is not null && IndependentTools.HaveSshKeygen
        && File.Exists(Path.Combine(GoPath, "src/golang.org/x/crypto/ssh/client.go"));

    public static string NodeScript(string name) => Path.Combine(AssetsDirectory!, name);

    private static readonly Lazy<string> GoProgram = new(BuildGoProgram);

    /// <summary>The compiled assets/xcryptossh.go (built on first use; a build failure throws, it is not a skip).</summary>
    public static string XCryptoSsh => GoProgram.Value;

    private static string BuildGoProgram()
    {
        string source = Path.Combine(AssetsDirectory!, "xcryptossh.go");
        byte[] hash = SHA256.HashData([.. File.ReadAllBytes(source), .. File.ReadAllBytes(Go!)]);
        string directory = Path.Combine(Path.GetTempPath(), "sshtunnel-xcryptossh-" + Convert.ToHexString(hash)[..16].ToLowerInvariant());
        string program = Path.Combine(directory, "xcryptossh");
        if (File.Exists(program)) return program;
        Directory.CreateDirectory(directory);
        string partial = program + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // GOPATH mode with Debian's sources: no module download, no network.
        var (exit, stdout, stderr) = IndependentTools.Run(Go!, ["build", "-o", partial, source], new Dictionary<string, string>
        {
            ["GOPATH"] = GoPath,
            ["GO111MODULE"] = "off",
            ["GOFLAGS"] = "",
            ["GOPROXY"] = "off",
            ["GOCACHE"] = Path.Combine(directory, "cache"),
            ["CGO_ENABLED"] = "0",
        });
        if (exit != 0) throw new InvalidOperationException($"go build {source} failed ({exit}): {stderr}{stdout}");
        File.Move(partial, program, overwrite: true);
        IndependentTools.DeleteDirectory(Path.Combine(directory, "cache"));
        return program;
    }

    private static string? FindAssets([CallerFilePath] string sourceFile = "")
    {
        const string Relative = "tests/SshTunnel.Tests/Independent/assets";
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, Relative);
            if (File.Exists(Path.Combine(candidate, "xcryptossh.go"))) return candidate;
        }
        string beside = Path.Combine(Path.GetDirectoryName(sourceFile) ?? "", "assets");
        return File.Exists(Path.Combine(beside, "xcryptossh.go")) ? beside : null;
    }

    private static string? FindOnPath(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private static int Run(string file, string[] args, string workingDirectory)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(info)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(entireProcessTree: true);
            return -1;
        }
        _ = stdout.Result + stderr.Result;
        return p.ExitCode;
    }
}

/// <summary>A fact that runs only where node runs and require('ssh2') resolves from the assets directory.</summary>
public sealed class NodeSsh2FactAttribute : FactAttribute
{
    public NodeSsh2FactAttribute()
    {
        if (!ScriptedTools.HaveNodeSsh2) Skip = $"Node.js or its ssh2 package not installed ({ScriptedTools.NodePackages})";
    }
}

/// <summary>A fact that runs only where go and golang.org/x/crypto/ssh's sources are installed.</summary>
public sealed class GoXCryptoFactAttribute : FactAttribute
{
    public GoXCryptoFactAttribute()
    {
        if (!ScriptedTools.HaveGoXCrypto) Skip = $"go or golang.org/x/crypto not installed ({ScriptedTools.GoPackages})";
    }
}

/// <summary>A theory that runs only where node runs and require('ssh2') resolves from the assets directory.</summary>
public sealed class NodeSsh2TheoryAttribute : TheoryAttribute
{
    public NodeSsh2TheoryAttribute()
    {
        if (!ScriptedTools.HaveNodeSsh2) Skip = $"Node.js or its ssh2 package not installed ({ScriptedTools.NodePackages})";
    }
}

/// <summary>A theory that runs only where go and golang.org/x/crypto/ssh's sources are installed.</summary>
public sealed class GoXCryptoTheoryAttribute : TheoryAttribute
{
    public GoXCryptoTheoryAttribute()
    {
        if (!ScriptedTools.HaveGoXCrypto) Skip = $"go or golang.org/x/crypto not installed ({ScriptedTools.GoPackages})";
    }
}
