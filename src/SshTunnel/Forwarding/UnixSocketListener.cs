using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace SshTunnel.Forwarding;

/// <summary>
/// Listening Unix-domain sockets for streamlocal forwards (OpenSSH misc.c <c>unix_listener</c>), on both sides: the
/// client's -L listen path and the server's streamlocal-forward@openssh.com path.
/// <para>
/// Mode: OpenSSH sets the process umask to StreamLocalBindMask around bind(2), so the socket file gets
/// <c>0777 &amp; ~mask</c> (0600 for the default 0177). A process-wide umask is not an option in a multi-threaded
/// process, so the socket is bound inside a fresh private directory (mkdtemp, mode 0700, next to the target so it is
/// on the same file system), given its final mode there, and then hard-linked to the requested path. link(2)
/// fails with EEXIST when the path exists, which gives bind's "Address already in use" without a check-then-act
/// race, and nobody can connect before the mode is final. Where that is impossible (no link support, or the private
/// path would not fit in sun_path) the socket is bound in place and chmod-ed at once: then a short window exists in
/// which the mode is the one the umask gave.
/// </para>
/// <para>
/// As in OpenSSH, the socket file is not removed when the listener closes; StreamLocalBindUnlink removes an
/// existing file first (any non-directory, as OpenSSH's unlink(2)).
/// </para>
/// </summary>
internal static partial class UnixSocketListener
{
    /// <summary>OpenSSH's default StreamLocalBindMask (octal 0177): socket files get mode 0600.</summary>
    public const int DefaultBindMask = 0x7F;

    private const int Backlog = 128;
    private const int EEXIST = 17;

    /// <summary>The largest path (bytes, without the terminating NUL) that fits in sockaddr_un.sun_path.</summary>
    public static int MaxPathLength => OperatingSystem.IsLinux() ? 107 : 103;

    /// <summary>
    /// Binds and listens on <paramref name="path"/> with file mode <c>0777 &amp; ~bindMask</c>.
    /// </summary>
    /// <param name="path">The socket path (relative paths are relative to the current directory).</param>
    /// <param name="bindMask">StreamLocalBindMask, a umask (e.g. 0x7F for octal 0177).</param>
    /// <param name="unlinkFirst">StreamLocalBindUnlink: remove an existing file at <paramref name="path"/> first.</param>
    /// <exception cref="ForwardBindException">"unix_listener: cannot bind to path P: Address already in use" (or another
    /// reason), or "unix_listener: path "P" too long for Unix domain socket".</exception>
    public static Socket Bind(string path, int bindMask, bool unlinkFirst)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Encoding.UTF8.GetByteCount(path) > MaxPathLength)
        {
            throw Failure($"unix_listener: path \"{path}\" too long for Unix domain socket", null);
        }
        if (unlinkFirst) Unlink(path);
        UnixFileMode mode = (UnixFileMode)(0x1FF & ~bindMask);
        try
        {
            return BindPrivatelyThenLink(path, mode) ?? BindInPlace(path, mode);
        }
        catch (SocketException e)
        {
            throw Failure($"unix_listener: cannot bind to path {path}: {DirectTcpipConnector.Describe(e)}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure($"unix_listener: cannot bind to path {path}: {e.Message}", e);
        }
    }

    private static ForwardBindException Failure(string message, Exception? inner) => new(message, [message], inner);

    /// <summary>StreamLocalBindUnlink: unlink(2) the path; a missing file is fine, other failures are left for bind to report.</summary>
    private static void Unlink(string path)
    {
        try
        {
            if (!Directory.Exists(path)) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // bind reports "Address already in use" (or the permission problem) next.
        }
    }

    private static Socket BindInPlace(string path, UnixFileMode mode)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
            socket.Listen(Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The race-free way; null when this system or path does not allow it (the caller binds in place).</summary>
    private static Socket? BindPrivatelyThenLink(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) return null;
        string full = Path.GetFullPath(path);
        string? parent = Path.GetDirectoryName(full);
        if (parent is null) return null;
        string template = Path.Combine(parent, ".stXXXXXX");
        if (Encoding.UTF8.GetByteCount(template) + 2 > MaxPathLength) return null;
        string? directory = MakeTempDirectory(template);
        if (directory is null) return null; // e.g. the parent is missing or not writable: bind in place reports it
        string temporary = Path.Combine(directory, "s");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(temporary));
            File.SetUnixFileMode(temporary, mode);
            if (Link(temporary, full) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                socket.Dispose();
                if (errno == EEXIST) throw new SocketException((int)SocketError.AddressAlreadyInUse);
                return null; // no hard links here (EPERM, EXDEV, ...): fall back
            }
            socket.Listen(Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        finally
        {
            try
            {
                File.Delete(temporary);
                Directory.Delete(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a leftover empty private directory is harmless
            }
        }
    }

    private static string? MakeTempDirectory(string template)
    {
        byte[] buffer = new byte[Encoding.UTF8.GetByteCount(template) + 1];
        Encoding.UTF8.GetBytes(template, buffer);
        try
        {
            unsafe
            {
                fixed (byte* pointer = buffer)
                {
                    if (MkdTemp(pointer) == 0) return null;
                }
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        return Encoding.UTF8.GetString(buffer, 0, buffer.Length - 1);
    }

    [LibraryImport("libc", EntryPoint = "mkdtemp", SetLastError = true)]
    private static unsafe partial nint MkdTemp(byte* template);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);
}
