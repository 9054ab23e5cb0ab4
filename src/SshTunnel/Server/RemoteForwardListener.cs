using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SshTunnel.Server;

/// <summary>
/// The sockets of one accepted tcpip-forward request (RFC 4254 §7.1): the same port on every address of the
/// binding, each with its own accept loop. Each accepted connection is handed to a callback that runs on its own
/// task, so a slow client never stalls the accept loop or other forwards.
/// </summary>
internal sealed class RemoteForwardListener : IAsyncDisposable
{
    private const int BindAttempts = 8;

    private readonly List<Socket> _sockets;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    private RemoteForwardListener(string addressToBind, uint requestedPort, int port, List<Socket> sockets)
    {
        AddressToBind = addressToBind;
        RequestedPort = requestedPort;
        Port = port;
        _sockets = sockets;
    }

    /// <summary>The address to bind exactly as the client sent it (used in forwarded-tcpip opens and to cancel).</summary>
    public string AddressToBind { get; }

    /// <summary>The port the client asked for (0 = server chose).</summary>
    public uint RequestedPort { get; }

    /// <summary>The port bound on every address.</summary>
    public int Port { get; }

    /// <summary>The endpoints listened on.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints => [.. _sockets.Select(s => (IPEndPoint)s.LocalEndPoint!)];

    /// <summary>
    /// Binds <paramref name="port"/> on every address (port 0: the first bind picks the port, the others use the same
    /// one; on a clash the whole set is retried with a new port, a few times). Addresses that cannot be bound (e.g. no
    /// IPv6) are skipped as long as one is bound, as sshd does.
    /// </summary>
    /// <exception cref="SocketException">No address could be bound (the last error).</exception>
    public static RemoteForwardListener Bind(string addressToBind, uint port, IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0) throw new SocketException((int)SocketError.AddressNotAvailable);
        SocketException? last = null;
        for (int attempt = 0; attempt < (port == 0 ? BindAttempts : 1); attempt++)
        {
            var sockets = new List<Socket>();
            int chosen = (int)port;
            bool retry = false;
            foreach (IPAddress address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    if (address.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
                    socket.Bind(new IPEndPoint(address, chosen));
                    socket.Listen(128);
                    if (chosen == 0) chosen = ((IPEndPoint)socket.LocalEndPoint!).Port;
                    sockets.Add(socket);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    last = e;
                    if (port == 0 && sockets.Count > 0 && e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                    {
                        retry = true;
                        break;
                    }
                }
            }
            if (retry || sockets.Count == 0)
            {
                foreach (Socket s in sockets) s.Dispose();
                if (!retry) break;
                continue;
            }
            return new RemoteForwardListener(addressToBind, port, chosen, sockets);
        }
        throw last ?? new SocketException((int)SocketError.AddressNotAvailable);
    }

    /// <summary>
    /// Starts the accept loops (see <see cref="AcceptLoop"/>: failed accepts are logged to <paramref name="logger"/> and
    /// retried); <paramref name="onAccepted"/> owns each accepted socket (and keeps it past this listener's disposal).
    /// </summary>
    public void Start(Func<Socket, Task> onAccepted, ILogger logger)
    {
        using (ExecutionContext.SuppressFlow())
        {
            foreach (Socket socket in _sockets)
            {
                _loops.Add(Task.Run(() => AcceptLoop.RunAsync(socket, accepted =>
                {
                    try
                    {
                        accepted.NoDelay = true;
                    }
                    catch (SocketException)
                    {
                        // already reset; the forward will see it
                    }
                    Dispatch(accepted, onAccepted);
                }, logger, _stop.Token)));
            }
        }
    }

    /// <summary>Runs <paramref name="onAccepted"/> on its own task; the socket is closed if it fails.</summary>
    internal static void Dispatch(Socket accepted, Func<Socket, Task> onAccepted)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await onAccepted(accepted).ConfigureAwait(false);
            }
            catch (Exception)
            {
                accepted.Dispose();
            }
        }, CancellationToken.None);
    }

    /// <summary>Stops listening (connections already forwarded go on until their channel closes).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (Socket socket in _sockets) socket.Dispose();
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Loops end on disposal; nothing to report.
        }
    }
}
