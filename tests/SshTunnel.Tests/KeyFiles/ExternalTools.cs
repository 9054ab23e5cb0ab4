using System.Diagnostics;

namespace SshTunnel.Tests.KeyFiles;

/// <summary>Runs ssh-keygen and openssl for tests (both come with Debian's openssh-client and openssl packages).</summary>
internal static class ExternalTools
{
    public const string SshKeygen = "/usr/bin/ssh-keygen";
    public const string OpenSsl = "/usr/bin/openssl";

    public static bool HaveSshKeygen => File.Exists(SshKeygen);

    public static bool HaveOpenSsl => File.Exists(OpenSsl);

    /// <summary>Runs a tool with a 60 s limit and returns its standard output; throws with stderr on failure.</summary>
    public static string Run(string program, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in 60 s");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}");
        }
        return output.Result;
    }
}

/// <summary>A fact that is skipped when ssh-keygen is not installed.</summary>
public sealed class SshKeygenFactAttribute : FactAttribute
{
    public SshKeygenFactAttribute()
    {
        if (!ExternalTools.HaveSshKeygen) Skip = "ssh-keygen is not installed";
    }
}

/// <summary>A theory that is skipped when ssh-keygen is not installed.</summary>
public sealed class SshKeygenTheoryAttribute : TheoryAttribute
{
    public SshKeygenTheoryAttribute()
    {
        if (!ExternalTools.HaveSshKeygen) Skip = "ssh-keygen is not installed";
    }
}

/// <summary>A fact that is skipped when ssh-keygen or openssl is not installed.</summary>
public sealed class OpenSslFactAttribute : FactAttribute
{
    public OpenSslFactAttribute()
    {
        if (!ExternalTools.HaveSshKeygen || !ExternalTools.HaveOpenSsl) Skip = "ssh-keygen or openssl is not installed";
    }
}

/// <summary>A temporary directory deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("sshtunnel-tests-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
