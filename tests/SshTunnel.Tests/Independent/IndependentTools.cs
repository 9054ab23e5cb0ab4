using System.Diagnostics;
using System.Text;

namespace SshTunnel.Tests.Independent;

/// <summary>
/// Where the independent (non-OpenSSH) SSH implementations live on Debian, and whether they are installed:
/// Dropbear (dropbear-bin, run with nss_wrapper from libnss-wrapper so it finds a temporary user without touching
/// /etc/passwd or anyone's ~/.ssh), PuTTY's plink and puttygen (putty-tools) and AsyncSSH (python3-asyncssh, imported
/// by the system python: the python3 on PATH may be another one).
/// </summary>
internal static class IndependentTools
{
    public const string Dropbear = "/usr/sbin/dropbear";
    public const string DropbearKey = "/usr/bin/dropbearkey";
    public const string DropbearConvert = "/usr/bin/dropbearconvert";
    public const string DbClient = "/usr/bin/dbclient";
    public const string Plink = "/usr/bin/plink";
    public const string PuttyGen = "/usr/bin/puttygen";
    public const string Python = "/usr/bin/python3";
    public const string SshKeygen = "/usr/bin/ssh-keygen";

    public const string DropbearPackages = "apt-get install dropbear-bin libnss-wrapper openssh-client";
    public const string PuttyPackages = "apt-get install putty-tools openssh-client";
    public const string AsyncSshPackages = "apt-get install python3-asyncssh openssh-client";

    public static bool HaveSshKeygen => File.Exists(SshKeygen);

    /// <summary>libnss_wrapper.so, which lets dropbear see a user whose home is a temporary directory.</summary>
    public static string? NssWrapper { get; } = FindNssWrapper();

    public static bool HaveDropbearServer => File.Exists(Dropbear) && File.Exists(DropbearKey) && NssWrapper is not null && HaveSshKeygen;

    public static bool HaveDbClient => File.Exists(DbClient) && File.Exists(DropbearConvert) && HaveSshKeygen;

    public static bool HavePlink => File.Exists(Plink) && File.Exists(PuttyGen) && HaveSshKeygen;

    private static readonly Lazy<bool> AsyncSsh = new(() => File.Exists(Python) && HaveSshKeygen && Run(Python, ["-c", "import asyncssh"]).Exit == 0);

    public static bool HaveAsyncSsh => AsyncSsh.Value;

    private static string? FindNssWrapper()
    {
        if (!Directory.Exists("/usr/lib")) return null;
        foreach (string directory in Directory.GetDirectories("/usr/lib", "*-linux-gnu").Append("/usr/lib"))
        {
            string path = Path.Combine(directory, "libnss_wrapper.so");
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>The numeric user and group id of this process (for the nss_wrapper passwd line).</summary>
    public static (string Uid, string Gid) CurrentIds()
    {
        string uid = "0", gid = "0";
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal)) uid = line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
            if (line.StartsWith("Gid:", StringComparison.Ordinal)) gid = line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        }
        return (uid, gid);
    }

    /// <summary>Runs a tool to completion (killed after 60 s); returns its status and output.</summary>
    public static (int Exit, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        foreach (var e in environment ?? new Dictionary<string, string>()) info.Environment[e.Key] = e.Value;
        using var p = Process.Start(info) ?? throw new InvalidOperationException(file + " did not start");
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a tool that must succeed; returns its stdout.</summary>
    public static string RunChecked(string file, params string[] args)
    {
        var (exit, stdout, stderr) = Run(file, args);
        if (exit != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({exit}): {stderr}{stdout}");
        return stdout;
    }

    /// <summary>An ssh-keygen key pair (no passphrase) at <paramref name="path"/>; returns the public key line.</summary>
    public static string NewUserKey(string path, string type, int bits = 0)
    {
        RunChecked(SshKeygen, ["-q", "-t", type, .. (bits > 0 ? new[] { "-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture) } : []), "-N", "", "-C", "indep-test", "-f", path]);
        return File.ReadAllText(path + ".pub").Trim();
    }

    /// <summary>chmod (no-op on Windows, where none of these tools run).</summary>
    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    /// <summary>A new private temporary directory (mode 700).</summary>
    public static string NewDirectory(string prefix)
    {
        string directory = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        SetMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return directory;
    }

    public static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>"[127.0.0.1]:port type base64" for each public key line.</summary>
    public static string KnownHostsLines(int port, IEnumerable<string> publicKeyLines)
    {
        var sb = new StringBuilder();
        foreach (string line in publicKeyLines)
        {
            string[] parts = line.Split(' ');
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"[127.0.0.1]:{port} {parts[0]} {parts[1]}\n");
        }
        return sb.ToString();
    }
}

/// <summary>A fact that runs only where dropbear, dropbearkey, nss_wrapper and ssh-keygen are installed.</summary>
public sealed class DropbearFactAttribute : FactAttribute
{
    public DropbearFactAttribute()
    {
        if (!IndependentTools.HaveDropbearServer) Skip = $"Dropbear server or nss_wrapper not installed ({IndependentTools.DropbearPackages})";
    }
}

/// <summary>A theory that runs only where the Dropbear server can be started.</summary>
public sealed class DropbearTheoryAttribute : TheoryAttribute
{
    public DropbearTheoryAttribute()
    {
        if (!IndependentTools.HaveDropbearServer) Skip = $"Dropbear server or nss_wrapper not installed ({IndependentTools.DropbearPackages})";
    }
}

/// <summary>A fact that runs only where dbclient and dropbearconvert are installed.</summary>
public sealed class DbClientFactAttribute : FactAttribute
{
    public DbClientFactAttribute()
    {
        if (!IndependentTools.HaveDbClient) Skip = $"Dropbear client not installed ({IndependentTools.DropbearPackages})";
    }
}

/// <summary>A fact that runs only where plink and puttygen are installed.</summary>
public sealed class PlinkFactAttribute : FactAttribute
{
    public PlinkFactAttribute()
    {
        if (!IndependentTools.HavePlink) Skip = $"PuTTY's plink/puttygen not installed ({IndependentTools.PuttyPackages})";
    }
}

/// <summary>A fact that runs only where /usr/bin/python3 imports asyncssh.</summary>
public sealed class AsyncSshFactAttribute : FactAttribute
{
    public AsyncSshFactAttribute()
    {
        if (!IndependentTools.HaveAsyncSsh) Skip = $"AsyncSSH not installed for /usr/bin/python3 ({IndependentTools.AsyncSshPackages})";
    }
}

/// <summary>A theory that runs only where /usr/bin/python3 imports asyncssh.</summary>
public sealed class AsyncSshTheoryAttribute : TheoryAttribute
{
    public AsyncSshTheoryAttribute()
    {
        if (!IndependentTools.HaveAsyncSsh) Skip = $"AsyncSSH not installed for /usr/bin/python3 ({IndependentTools.AsyncSshPackages})";
    }
}

/// <summary>A fact that needs both the Dropbear server and AsyncSSH.</summary>
public sealed class DropbearAndAsyncSshFactAttribute : FactAttribute
{
    public DropbearAndAsyncSshFactAttribute()
    {
        if (!IndependentTools.HaveDropbearServer) Skip = $"Dropbear server or nss_wrapper not installed ({IndependentTools.DropbearPackages})";
        else if (!IndependentTools.HaveAsyncSsh) Skip = $"AsyncSSH not installed for /usr/bin/python3 ({IndependentTools.AsyncSshPackages})";
    }
}

/// <summary>A theory that runs only where dbclient and dropbearconvert are installed.</summary>
public sealed class DbClientTheoryAttribute : TheoryAttribute
{
    public DbClientTheoryAttribute()
    {
        if (!IndependentTools.HaveDbClient) Skip = $"Dropbear client not installed ({IndependentTools.DropbearPackages})";
    }
}
