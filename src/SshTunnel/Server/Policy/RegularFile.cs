using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SshTunnel.Server.Policy;

/// <summary>
/// Reads a small policy file (authorized_keys, the password file) as sshd does: only a regular file, and never
/// blocking on the open itself. A FIFO put where authorized_keys belongs would otherwise hang the opening thread at
/// every authentication attempt; a device such as /dev/zero would be read without end. Both are refused with an
/// <see cref="IOException"/>, and so is a file over the size limit.
/// </summary>
internal static partial class RegularFile
{
    /// <summary>The largest policy file read, in bytes (sshd has no limit; 4 MiB is ~10,000 RSA-4096 keys).</summary>
    public const int DefaultMaxBytes = 4 * 1024 * 1024;

    // Linux values (x86-64 and arm64 alike).
    private const int ORdOnly = 0;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const int ENoEnt = 2;
    private const int EAcces = 13;
    private const int ENotDir = 20;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    /// <summary>Reads <paramref name="path"/> as text: UTF-8 unless a byte order mark says otherwise, as <see cref="File.ReadAllText(string)"/>.</summary>
    /// <inheritdoc cref="ReadAllBytes(string, int)"/>
    public static string ReadAllText(string path, int maxBytes = DefaultMaxBytes)
    {
        byte[] content = ReadAllBytes(path, maxBytes);
        using var reader = new StreamReader(new MemoryStream(content, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The size limit, in bytes.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory on the path does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    /// <exception cref="IOException">Not a regular file (a FIFO, socket or terminal), larger than <paramref name="maxBytes"/>, or unreadable.</exception>
    public static byte[] ReadAllBytes(string path, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!OperatingSystem.IsLinux())
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > maxBytes) throw TooLarge(path, maxBytes);
            return File.ReadAllBytes(path);
        }
        int fd = Open(path, ORdOnly | ONonBlock | OCloExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            string message = $"{path}: {Marshal.GetPInvokeErrorMessage(errno)}";
            throw errno switch
            {
                ENoEnt when Path.GetDirectoryName(Path.GetFullPath(path)) is { } parent && !Directory.Exists(parent) => new DirectoryNotFoundException(message),
                ENoEnt => new FileNotFoundException(message, path),
                ENotDir => new DirectoryNotFoundException(message),
                EAcces => new UnauthorizedAccessException(message),
                _ => new IOException(message),
            };
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        // Only regular files (and directories, whose read fails below) can seek: FIFOs, sockets and terminals cannot.
        if (!stream.CanSeek) throw new IOException($"{path}: not a regular file");
        if (stream.Length > maxBytes) throw TooLarge(path, maxBytes);
        var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw TooLarge(path, maxBytes); // a device that reports length 0
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static IOException TooLarge(string path, int maxBytes) => new($"{path}: larger than {maxBytes} bytes");
}
