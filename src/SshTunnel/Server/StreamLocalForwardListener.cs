using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SshTunnel.Forwarding;

namespace SshTunnel.Server;

/// <summary>
/// The listening Unix socket of one accepted streamlocal-forward@openssh.com request (OpenSSH PROTOCOL §2.4). Each
/// accepted connection is handed to a callback on its own task. The socket file stays when the listener is disposed,
/// as with sshd (StreamLocalBindUnlink removes it on the next bind).
/// </summary>
internal sealed class StreamLocalForwardListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private StreamLocalForwardListener(string path, Socket socket)
    {
        Path = path;
        _socket = socket;
    }

    /// <summary>The socket path exactly as the client sent it (used in forwarded-streamlocal opens and to cancel).</summary>
    public string Path { get; }

    /// <summary>Binds <paramref name="path"/> with mode <c>0777 &amp; ~bindMask</c>.</summary>
    /// <exception cref="ForwardBindException">The socket could not be created ("unix_listener: cannot bind to path P: ...").</exception>
    public static StreamLocalForwardListener Bind(string path, int bindMask, bool unlinkFirst) =>
        new(path, UnixSocketListener.Bind(path, bindMask, unlinkFirst));

    /// <summary>
    /// Starts accepting (see <see cref="AcceptLoop"/>: failed accepts are logged to <paramref name="logger"/> and
    /// retried); <paramref name="onAccepted"/> owns each accepted socket (and keeps it past this listener's disposal).
    /// </summary>
    public void Start(Func<Socket, Task> onAccepted, ILogger logger)
    {
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(() => AcceptLoop.RunAsync(_socket, accepted => RemoteForwardListener.Dispatch(accepted, onAccepted), logger, _stop.Token));
        }
    }

    /// <summary>Stops listening (connections already forwarded go on until their channel closes).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _loop.ConfigureAwait(false);
    }
}
