using System.Net.Sockets;
using SshTunnel.Errors;

namespace SshTunnel.Forwarding;

/// <summary>
/// Connects to a Unix-domain socket for a streamlocal forward (the server's direct-streamlocal@openssh.com and the
/// client's -R and -L targets that are paths). Failures become CONNECT_FAILED with strerror's text.
/// </summary>
internal static class UnixSocketConnector
{
    /// <summary>Connects to <paramref name="path"/>.</summary>
    /// <exception cref="SshChannelOpenException">CONNECT_FAILED, e.g. "No such file or directory", "Connection refused".</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<Socket> ConnectAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(path) > UnixSocketListener.MaxPathLength || path.Contains('\0', StringComparison.Ordinal))
        {
            throw new SshChannelOpenException(ChannelOpenFailureReason.ConnectFailed, "Invalid socket path");
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new SshChannelOpenException(ChannelOpenFailureReason.ConnectFailed, Describe(e));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>strerror's text for a failed connect(2) to a Unix socket.</summary>
    public static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressNotAvailable => "No such file or directory", // .NET maps ENOENT so
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.AccessDenied => "Permission denied",
        _ => e.Message,
    };
}
