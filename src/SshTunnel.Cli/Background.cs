using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace SshTunnel.Cli;

/// <summary>
/// -f (ForkAfterAuthentication) without fork(2): the first process starts a detached copy of itself and waits on a
/// pipe; the copy connects, authenticates (prompting on the terminal as needed), sets up its listeners, then writes
/// one byte and the first process exits 0. If the copy fails before that, the pipe closes and the first exits 255
/// (the copy has already printed why).
/// </summary>
internal static partial class Background
{
    private const string PipeVariable = "SSHTUNNEL_BACKGROUND_PIPE";
    private static AnonymousPipeClientStream? _readyPipe;

    /// <summary>True in the detached copy.</summary>
    public static bool IsBackgroundCopy => Environment.GetEnvironmentVariable(PipeVariable) is not null;

    /// <summary>Starts the copy and waits for it to report; returns the exit status for the first process.</summary>
    public static int RunParent(string[] args)
    {
        string? self = Environment.ProcessPath;
        if (self is null) return 255;
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        var psi = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardInput = true };
        // "dotnet sshtunnel.dll": keep the host's arguments.
        string[] commandLine = Environment.GetCommandLineArgs();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet" && commandLine.Length > 0) psi.ArgumentList.Add(commandLine[0]);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment[PipeVariable] = pipe.GetClientHandleAsString();
        using Process child = Process.Start(psi)!;
        child.StandardInput.Close(); // -f implies -n: the background copy reads nothing from stdin
        pipe.DisposeLocalCopyOfClientHandle();
        int b = pipe.ReadByte();
        return b == 1 ? 0 : 255;
    }

    /// <summary>In the copy: leave the terminal's session so signals to the foreground group don't reach us.</summary>
    public static void Detach()
    {
        string? handle = Environment.GetEnvironmentVariable(PipeVariable);
        Environment.SetEnvironmentVariable(PipeVariable, null);
        if (handle is null) return;
        _readyPipe = new AnonymousPipeClientStream(PipeDirection.Out, handle);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            _ = SetSid();
        }
    }

    /// <summary>In the copy: tell the first process we are authenticated and listening.</summary>
    public static void ReportReady()
    {
        if (_readyPipe is null) return;
        try
        {
            _readyPipe.WriteByte(1);
            _readyPipe.Flush();
        }
        catch (IOException)
        {
            // the first process is gone
        }
        _readyPipe.Dispose();
        _readyPipe = null;
    }

    [LibraryImport("libc", EntryPoint = "setsid")]
    private static partial int SetSid();
}
