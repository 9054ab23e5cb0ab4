using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Socks;

namespace SshTunnel.Forwarding;

/// <summary>
/// A running dynamic forward (OpenSSH -D / DynamicForward): a SOCKS4, SOCKS4a, SOCKS5 (RFC 1928, CONNECT only, no
/// authentication) and HTTP CONNECT proxy on the local bind addresses. Each request opens a "direct-tcpip" channel
/// (RFC 4254 §7.2) to the requested host, whose name is resolved at the gateway (no local DNS). Unlike OpenSSH,
/// success is answered only once the channel is open, and a failed open gets the matching reply (SOCKS5 REP,
/// SOCKS4 0x5B, HTTP 502/403/504) instead of a bare close. Stops when disposed or when the SSH connection closes
/// (<see cref="Stopped"/>); tunnels already running keep going, as in OpenSSH.
/// </summary>
public sealed class DynamicForward : IAsyncDisposable
{
    private readonly Socket[] _listeners;
    private readonly Func<string, int, string, int, CancellationToken, ValueTask<Stream>> _openChannel;
    private readonly DynamicForwardOptions _options;
    private readonly CancellationTokenSource _stopped = new();
    private readonly CancellationTokenRegistration _connectionClosedRegistration;
    private readonly Task[] _acceptLoops;
    private Exception? _stopReason;
    private int _connectionNumber;

    /// <summary>The originator OpenSSH reports for a connection that has no IP peer (a Unix-socket listener).</summary>
    private const string UnixOriginatorAddress = "127.0.0.1";
    private const int UnixOriginatorPort = 65535;

    private DynamicForward(Socket[] listeners, string? listenPath, Func<string, int, string, int, CancellationToken, ValueTask<Stream>> openChannel, DynamicForwardOptions options)
    {
        _listeners = listeners;
        _openChannel = openChannel;
        _options = options;
        ListenPath = listenPath;
        ListenEndPoints = listenPath is null ? [.. listeners.Select(l => (IPEndPoint)l.LocalEndPoint!)] : [];
        _connectionClosedRegistration = options.ConnectionClosed.UnsafeRegister(static s =>
            ((DynamicForward)s!).Stop(new SshConnectionException("connection closed", DisconnectReason.ConnectionLost)), this);
        using (ExecutionContext.SuppressFlow())
        {
            _acceptLoops = [.. listeners.Select(l => Task.Run(() => ForwardListener.AcceptLoopAsync(l, HandleConnectionAsync, Stop, _stopped.Token)))];
        }
    }

    /// <summary>The addresses actually listened on (one per bound address family/address), with the real port; empty for a Unix-socket listener.</summary>
    public IReadOnlyList<IPEndPoint> ListenEndPoints { get; }

    /// <summary>The Unix-socket path listened on (<c>-D /path</c>), or <see langword="null"/> for a TCP listener.</summary>
    public string? ListenPath { get; }

    /// <summary>Cancelled once the forward stopped (disposed, listener failure or connection closed).</summary>
    public CancellationToken Stopped => _stopped.Token;

    /// <summary>Throws the reason the forward stopped, if it has.</summary>
    /// <exception cref="ObjectDisposedException">The forward was disposed.</exception>
    /// <exception cref="SshConnectionException">The SSH connection closed.</exception>
    public void ThrowIfStopped()
    {
        if (_stopped.IsCancellationRequested) throw Volatile.Read(ref _stopReason) ?? new ObjectDisposedException(nameof(DynamicForward));
    }

    /// <summary>
    /// Binds the listeners and starts serving SOCKS4/4a/5 and HTTP CONNECT. Bind addresses follow OpenSSH
    /// (FORWARDING-CLI.md §5) exactly as for <see cref="LocalForward"/>: none → 127.0.0.1 and ::1 (wildcard with
    /// GatewayPorts); "*" or "" → wildcard; "localhost" → loopback; anything else → that address.
    /// </summary>
    /// <param name="bindAddress">The bind_address of the -D spec, or null when none was given.</param>
    /// <param name="listenPort">Local port; 0 picks one (the same for every address when possible).</param>
    /// <param name="openChannel">Opens a direct-tcpip channel: (host, port, originator address, originator port, token) → stream; throws <see cref="SshChannelOpenException"/> when refused.</param>
    /// <param name="options">GatewayPorts, address family, logger, connection-closed token, request timeout.</param>
    /// <param name="cancellationToken">Cancels name resolution of <paramref name="bindAddress"/>.</param>
    /// <exception cref="ForwardBindException">No address could be bound ("channel_setup_fwd_listener_tcpip: cannot listen to port: N").</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="listenPort"/> outside 0-65535, or a non-positive <see cref="DynamicForwardOptions.RequestTimeout"/>.</exception>
    public static async Task<DynamicForward> StartAsync(string? bindAddress, int listenPort,
        Func<string, int, string, int, CancellationToken, ValueTask<Stream>> openChannel, DynamicForwardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(listenPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(listenPort, 65535);
        ArgumentNullException.ThrowIfNull(openChannel);
        options ??= new DynamicForwardOptions();
        ValidateOptions(options);
        IPAddress[] addresses = await ForwardListener.ResolveBindAddressesAsync(bindAddress, options.GatewayPorts, options.AddressFamily, cancellationToken).ConfigureAwait(false);
        Socket[] listeners = ForwardListener.BindAll(addresses, listenPort, options.Logger);
        return new DynamicForward(listeners, null, openChannel, options);
    }

    /// <summary>
    /// Serves SOCKS4/4a/5 and HTTP CONNECT on a Unix-domain socket (OpenSSH <c>-D /path</c>), created with
    /// <see cref="DynamicForwardOptions.StreamLocalBindMask"/> (and after removing a stale file with
    /// <see cref="DynamicForwardOptions.StreamLocalBindUnlink"/>). Connections are reported to the gateway with
    /// OpenSSH's originator for socket peers, 127.0.0.1 port 65535.
    /// </summary>
    /// <param name="listenPath">The socket path.</param>
    /// <param name="openChannel">As for <see cref="StartAsync(string?, int, Func{string, int, string, int, CancellationToken, ValueTask{Stream}}, DynamicForwardOptions?, CancellationToken)"/>.</param>
    /// <param name="options">Bind mask and unlink, logger, connection-closed token, request timeout.</param>
    /// <exception cref="ForwardBindException">The socket could not be created ("unix_listener: cannot bind to path P: ...").</exception>
    public static DynamicForward StartOnPath(string listenPath,
        Func<string, int, string, int, CancellationToken, ValueTask<Stream>> openChannel, DynamicForwardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(listenPath);
        ArgumentNullException.ThrowIfNull(openChannel);
        options ??= new DynamicForwardOptions();
        ValidateOptions(options);
        Socket listener = UnixSocketListener.Bind(listenPath, options.StreamLocalBindMask, options.StreamLocalBindUnlink);
        return new DynamicForward([listener], listenPath, openChannel, options);
    }

    /// <summary>
    /// Serves one proxy client on an already-connected stream (e.g. a forwarded-tcpip channel of a reverse dynamic
    /// forward, -R port): reads its SOCKS/HTTP CONNECT request within <see cref="DynamicForwardOptions.RequestTimeout"/>,
    /// opens the destination with <paramref name="openChannel"/>, replies, then relays both ways with half-close
    /// (EOF as <see cref="ChannelStream.CompleteWrites"/> or a TCP shutdown). Takes ownership of <paramref name="client"/>
    /// and of the opened stream; both are closed when this completes. Failures are replied and logged, not thrown.
    /// </summary>
    /// <param name="client">The proxy client's connection.</param>
    /// <param name="originatorAddress">Originator address to pass to <paramref name="openChannel"/>.</param>
    /// <param name="originatorPort">Originator port to pass to <paramref name="openChannel"/>.</param>
    /// <param name="openChannel">Connects to (host, port, originator address, originator port, token); throws <see cref="SshChannelOpenException"/> to get a mapped failure reply.</param>
    /// <param name="options">Logger and request timeout (the listener settings are not used).</param>
    /// <param name="cancellationToken">Cancels the handshake, the open and the relay.</param>
    /// <returns>Completes when the connection has ended and both streams are closed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive <see cref="DynamicForwardOptions.RequestTimeout"/>.</exception>
    public static Task ServeAsync(Stream client, string originatorAddress, int originatorPort,
        Func<string, int, string, int, CancellationToken, ValueTask<Stream>> openChannel, DynamicForwardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(originatorAddress);
        ArgumentNullException.ThrowIfNull(openChannel);
        options ??= new DynamicForwardOptions();
        ValidateOptions(options);
        return ServeCoreAsync(client, originatorAddress, originatorPort, openChannel, options, connectionNumber: 0, cancellationToken, cancellationToken);
    }

    private static void ValidateOptions(DynamicForwardOptions options)
    {
        if (options.RequestTimeout <= TimeSpan.Zero && options.RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RequestTimeout, "RequestTimeout must be positive or Timeout.InfiniteTimeSpan.");
        }
    }

    /// <summary>
    /// The SOCKS reply for a refused channel open: administratively prohibited → NotAllowed (0x02); connect failed
    /// with "refused" → ConnectionRefused (0x05), a name that did not resolve or "No route to host" → HostUnreachable
    /// (0x04), "Network is unreachable" → NetworkUnreachable (0x03), "timed out" → TtlExpired (0x06); else GeneralFailure (0x01).
    /// </summary>
    internal static SocksReplyCode MapChannelOpenFailure(SshChannelOpenException exception)
    {
        if (exception.Reason == ChannelOpenFailureReason.AdministrativelyProhibited) return SocksReplyCode.NotAllowed;
        if (exception.Reason != ChannelOpenFailureReason.ConnectFailed) return SocksReplyCode.GeneralFailure;
        string d = exception.Description ?? "";
        if (Has(d, "refused")) return SocksReplyCode.ConnectionRefused;
        if (Has(d, "timed out") || Has(d, "timeout")) return SocksReplyCode.TtlExpired;
        if (Has(d, "not known") || Has(d, "resolve") || Has(d, "Name or service") || Has(d, "nodename")
            || Has(d, "name resolution") || Has(d, "No address associated") || Has(d, "No route to host") || Has(d, "Host is unreachable"))
        {
            return SocksReplyCode.HostUnreachable;
        }
        if (Has(d, "Network is unreachable")) return SocksReplyCode.NetworkUnreachable;
        return SocksReplyCode.GeneralFailure;

        static bool Has(string text, string part) => text.Contains(part, StringComparison.OrdinalIgnoreCase);
    }

    private Task HandleConnectionAsync(Socket socket)
    {
        int number = Interlocked.Increment(ref _connectionNumber);
        string originatorAddress = "?";
        int originatorPort = 0;
        try
        {
            if (socket.RemoteEndPoint is IPEndPoint remote)
            {
                socket.NoDelay = true;
                originatorAddress = remote.Address.ToString();
                originatorPort = remote.Port;
            }
            else
            {
                originatorAddress = UnixOriginatorAddress;
                originatorPort = UnixOriginatorPort;
            }
        }
        catch (SocketException)
        {
            socket.Dispose();
            return Task.CompletedTask;
        }
        catch (ObjectDisposedException)
        {
            return Task.CompletedTask;
        }
        var stream = new NetworkStream(socket, ownsSocket: true);
        return ServeCoreAsync(stream, originatorAddress, originatorPort, _openChannel, _options, number, _stopped.Token, _options.ConnectionClosed);
    }

    private static async Task ServeCoreAsync(Stream client, string originatorAddress, int originatorPort,
        Func<string, int, string, int, CancellationToken, ValueTask<Stream>> openChannel, DynamicForwardOptions options,
        int connectionNumber, CancellationToken setupToken, CancellationToken relayToken)
    {
        ILogger? logger = options.Logger;
        string originator = originatorAddress.Contains(':', StringComparison.Ordinal) ? $"[{originatorAddress}]:{originatorPort}" : $"{originatorAddress}:{originatorPort}";
        SocksRequest request;
        try
        {
            request = await SocksServerHandshake.ReadRequestAsync(client, options.RequestTimeout, setupToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // SocksException included: the client got its reply, if any, from the handshake. Whatever went wrong,
            // only this connection is closed.
            if (logger is not null && logger.IsEnabled(LogLevel.Debug))
            {
                string text = $"dynamic forward: bad proxy request from {originator}: {ex.Message}";
                ForwardingLog.ForwardDebug(logger, text);
            }
            await client.DisposeAsync().ConfigureAwait(false);
            return;
        }

        if (logger is not null && logger.IsEnabled(LogLevel.Debug))
        {
            string text = $"dynamic forward: {ProtocolName(request.Protocol)} CONNECT {request} from {originator}";
            ForwardingLog.ForwardDebug(logger, text);
        }

        Stream channel;
        try
        {
            channel = await openChannel(request.Host, request.Port, originatorAddress, originatorPort, setupToken).ConfigureAwait(false);
        }
        catch (SshChannelOpenException ex)
        {
            if (logger is not null && logger.IsEnabled(LogLevel.Information))
            {
                uint id = ex is ChannelOpenFailedException f ? f.LocalChannelId : (uint)connectionNumber;
                string reasonText = ChannelOpenFailedException.ReasonText(ex.Reason);
                ForwardingLog.ChannelOpenFailed(logger, id, reasonText, ex.Description);
            }
            await ReplyFailureAndCloseAsync(client, request, MapChannelOpenFailure(ex), ex.Description).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            if (logger is not null && logger.IsEnabled(LogLevel.Debug)) ForwardingLog.PumpFailed(logger, originator, ex.Message);
            await ReplyFailureAndCloseAsync(client, request, SocksReplyCode.GeneralFailure, ex is OperationCanceledException ? "forwarding stopped" : ex.Message).ConfigureAwait(false);
            return;
        }

        try
        {
            await SocksReply.WriteSuccessAsync(client, request, null, setupToken).ConfigureAwait(false);
            if (!request.InitialData.IsEmpty) await channel.WriteAsync(request.InitialData, setupToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (logger is not null && logger.IsEnabled(LogLevel.Debug)) ForwardingLog.PumpFailed(logger, originator, ex.Message);
            await channel.DisposeAsync().ConfigureAwait(false);
            await client.DisposeAsync().ConfigureAwait(false);
            return;
        }

        Exception? error;
        if (client is NetworkStream clientSocket)
        {
            error = await StreamPump.RunAsync(clientSocket.Socket, channel, relayToken).ConfigureAwait(false);
            await client.DisposeAsync().ConfigureAwait(false);
        }
        else if (channel is NetworkStream targetSocket)
        {
            // Reverse dynamic forward: the proxy client is the SSH channel and the destination a local socket.
            error = await StreamPump.RunAsync(targetSocket.Socket, client, relayToken).ConfigureAwait(false);
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            error = await RelayStreamsAsync(client, channel, relayToken).ConfigureAwait(false);
        }
        if (error is not null && logger is not null && logger.IsEnabled(LogLevel.Debug)) ForwardingLog.PumpFailed(logger, originator, error.Message);
    }

    private static async Task ReplyFailureAndCloseAsync(Stream client, SocksRequest request, SocksReplyCode code, string? message)
    {
        try
        {
            // The client may be gone or never read: do not wait long for it.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await SocksReply.WriteFailureAsync(client, request, code, message, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
        await client.DisposeAsync().ConfigureAwait(false);
    }

    private static string ProtocolName(SocksProtocol protocol) => protocol switch
    {
        SocksProtocol.Socks4 => "socks4",
        SocksProtocol.Socks4a => "socks4a",
        SocksProtocol.Socks5 => "socks5",
        _ => "http",
    };

    /// <summary>
    /// Relays between two streams neither of which is a socket, keeping half-close where the writer supports it
    /// (<see cref="ChannelStream.CompleteWritesAsync"/>); the first error closes both. Returns the first error or null.
    /// </summary>
    private static async Task<Exception?> RelayStreamsAsync(Stream a, Stream b, CancellationToken cancellationToken)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task ab = CopyAsync(a, b, abort.Token);
        Task ba = CopyAsync(b, a, abort.Token);
        Exception? error = null;
        Task first = await Task.WhenAny(ab, ba).ConfigureAwait(false);
        if (!first.IsCompletedSuccessfully)
        {
            error = first.Exception?.InnerException ?? new OperationCanceledException();
            await abort.CancelAsync().ConfigureAwait(false);
            await a.DisposeAsync().ConfigureAwait(false);
            await b.DisposeAsync().ConfigureAwait(false);
        }
        try
        {
            await Task.WhenAll(ab, ba).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error ??= ex;
        }
        await a.DisposeAsync().ConfigureAwait(false);
        await b.DisposeAsync().ConfigureAwait(false);
        return error;
    }

    private static async Task CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        const int BufferSize = 32 * 1024;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
            if (destination is ChannelStream channel) await channel.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Stop(Exception reason)
    {
        Interlocked.CompareExchange(ref _stopReason, reason, null);
        try
        {
            _stopped.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        foreach (Socket listener in _listeners) listener.Dispose();
    }

    /// <summary>Stops listening (the port is free when this returns) and waits for the accept loops. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        Stop(new ObjectDisposedException(nameof(DynamicForward)));
        await _connectionClosedRegistration.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
    }
}
