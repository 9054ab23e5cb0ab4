using System.Globalization;
using Microsoft.Extensions.Logging;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Forwarding;

/// <summary>
/// A remote forward (-R): the server listens on a TCP port (RFC 4254 §7.1 "tcpip-forward", forwarded-tcpip channels) or
/// on a Unix-socket path (OpenSSH PROTOCOL §2.4 "streamlocal-forward@openssh.com", forwarded-streamlocal@openssh.com
/// channels), and each connection is connected from this side to <see cref="ForwardSpec.ConnectHost"/>:<see
/// cref="ForwardSpec.ConnectPort"/> or to the local Unix socket <see cref="ForwardSpec.ConnectPath"/>. Dispose to send
/// "cancel-tcpip-forward" or "cancel-streamlocal-forward@openssh.com".
/// </summary>
public sealed class RemoteForward : IAsyncDisposable
{
    private readonly SshConnection _connection;
    private readonly RemoteForwardTable _table;
    private int _disposed;

    internal RemoteForward(SshConnection connection, RemoteForwardTable table, ForwardSpec spec, string addressToBind, int boundPort)
    {
        _connection = connection;
        _table = table;
        Spec = spec;
        AddressToBind = addressToBind;
        BoundPort = boundPort;
    }

    /// <summary>The forward as requested.</summary>
    public ForwardSpec Spec { get; }

    /// <summary>The listen address sent to the server: "localhost" when none was given, "" for "*" or empty, else literal
    /// (FORWARDING-CLI.md §5); "" for a Unix-socket forward.</summary>
    public string AddressToBind { get; }

    /// <summary>The port the server listens on (the allocated one for -R 0); 0 for a Unix-socket forward.</summary>
    public int BoundPort { get; }

    /// <summary>The server-side Unix-socket path listened on, or <see langword="null"/> for a TCP forward.</summary>
    public string? ListenPath => Spec.ListenPath;

    /// <summary>The listen host OpenSSH sends for a -R bind address (FORWARDING-CLI.md §5).</summary>
    internal static string AddressToBindFor(ForwardSpec spec) => spec.ListenHost switch
    {
        null => "localhost",
        "" or "*" => "",
        var literal => literal,
    };

    /// <summary>Sends "tcpip-forward" or "streamlocal-forward@openssh.com" and registers the forward for its incoming channels.</summary>
    /// <exception cref="SshRequestRejectedException">The server refused ("remote port forwarding failed for listen port N"
    /// or "... for listen path P").</exception>
    internal static async Task<RemoteForward> StartAsync(SshConnection connection, RemoteForwardTable table, ForwardSpec spec, CancellationToken cancellationToken)
    {
        // The server may open the first channel for this forward right after its reply, before this method has
        // registered the forward: the table holds such channels until the request has been settled.
        table.BeginRequest();
        try
        {
            return await RequestAndRegisterAsync(connection, table, spec, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            table.EndRequest();
        }
    }

    private static async Task<RemoteForward> RequestAndRegisterAsync(SshConnection connection, RemoteForwardTable table, ForwardSpec spec, CancellationToken cancellationToken)
    {
        if (spec.ListenPath is { } path)
        {
            GlobalRequestReply pathReply = await RequestAsync(connection, GlobalRequestNames.StreamLocalForward,
                StreamLocalMessages.EncodeForwardRequest(path), granted => connection.SendGlobalRequestAsync(GlobalRequestNames.CancelStreamLocalForward,
                    StreamLocalMessages.EncodeForwardRequest(path), wantReply: false, CancellationToken.None), cancellationToken).ConfigureAwait(false);
            if (!pathReply.Success) throw new SshRequestRejectedException($"remote port forwarding failed for listen path {path}");
            var pathForward = new RemoteForward(connection, table, spec, "", 0);
            table.Add(pathForward);
            return pathForward;
        }
        string address = AddressToBindFor(spec);
        var request = new TcpipForwardRequestData { AddressToBind = address, PortToBind = (uint)spec.ListenPort };
        GlobalRequestReply reply = await RequestAsync(connection, GlobalRequestNames.TcpipForward, request.ToArray(), granted =>
        {
            uint bound = request.PortToBind;
            if (bound == 0)
            {
                try
                {
                    bound = TcpipForwardResponseData.Parse(granted.ResponseData).PortBound;
                }
                catch (SshProtocolException)
                {
                    return Task.CompletedTask; // no port to cancel
                }
            }
            var cancel = new TcpipForwardRequestData { AddressToBind = address, PortToBind = bound };
            return connection.SendGlobalRequestAsync(GlobalRequestNames.CancelTcpipForward, cancel.ToArray(), wantReply: true, CancellationToken.None);
        }, cancellationToken).ConfigureAwait(false);
        if (!reply.Success)
        {
            throw new SshRequestRejectedException($"remote port forwarding failed for listen port {spec.ListenPort}");
        }
        int port = spec.ListenPort;
        if (port == 0)
        {
            try
            {
                port = (int)TcpipForwardResponseData.Parse(reply.ResponseData).PortBound;
            }
            catch (SshProtocolException)
            {
                throw new SshRequestRejectedException($"remote port forwarding failed for listen port {spec.ListenPort}: no port in the reply");
            }
        }
        var forward = new RemoteForward(connection, table, spec, address, port);
        table.Add(forward);
        return forward;
    }

    /// <summary>
    /// Sends a forward request and waits for its reply. If <paramref name="cancellationToken"/> ends the wait, the
    /// request is still on the wire: should the server later grant it, <paramref name="cancelGranted"/> sends the
    /// matching cancel request (best effort) so no listener is left that nobody uses.
    /// </summary>
    private static async Task<GlobalRequestReply> RequestAsync(SshConnection connection, string requestName, byte[] data,
        Func<GlobalRequestReply, Task> cancelGranted, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Not cancellable itself: the reply must be observed even when the caller stops waiting.
        Task<GlobalRequestReply> pending = connection.SendGlobalRequestAsync(requestName, data, wantReply: true, CancellationToken.None);
        try
        {
            return await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _ = CancelIfGrantedAsync(pending, cancelGranted);
            throw;
        }
    }

    private static async Task CancelIfGrantedAsync(Task<GlobalRequestReply> pending, Func<GlobalRequestReply, Task> cancelGranted)
    {
        try
        {
            GlobalRequestReply reply = await pending.ConfigureAwait(false);
            if (reply.Success) await cancelGranted(reply).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or OperationCanceledException or IOException or TimeoutException)
        {
            // the connection is gone: nothing to cancel
        }
    }

    /// <summary>Sends "cancel-tcpip-forward" (best effort) and stops accepting its channels.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _table.Remove(this);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            if (ListenPath is { } path)
            {
                // OpenSSH PROTOCOL §2.4 sends this one without want-reply.
                await _connection.SendGlobalRequestAsync(GlobalRequestNames.CancelStreamLocalForward, StreamLocalMessages.EncodeForwardRequest(path), wantReply: false, timeout.Token).ConfigureAwait(false);
            }
            else
            {
                var request = new TcpipForwardRequestData { AddressToBind = AddressToBind, PortToBind = (uint)BoundPort };
                await _connection.SendGlobalRequestAsync(GlobalRequestNames.CancelTcpipForward, request.ToArray(), wantReply: true, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SshException or OperationCanceledException or IOException)
        {
            // the connection is gone: nothing to cancel
        }
    }

    internal string DescribeTarget() => Spec.ConnectPath ?? (Spec.ConnectHost is { } host
        ? string.Create(CultureInfo.InvariantCulture, $"{host}:{Spec.ConnectPort}")
        : "socks:0");
}

/// <summary>
/// The client's table of active remote forwards: routes each incoming forwarded-tcpip channel (RFC 4254 §7.2) to its
/// forward by listen port (and address when several share a port), and each forwarded-streamlocal@openssh.com channel
/// by listen path, and connects it to the local target (TCP or Unix socket) off the connection's receive loop.
/// </summary>
internal sealed class RemoteForwardTable
{
    /// <summary>How long a channel for an unknown listener waits for outstanding forward requests.</summary>
    internal static readonly TimeSpan PendingRequestWait = TimeSpan.FromSeconds(10);

    private readonly List<RemoteForward> _forwards = [];
    private int _pendingRequests;               // under _forwards
    private TaskCompletionSource? _requestsSettled; // under _forwards
    private readonly ILogger? _logger;
    private readonly TimeSpan _connectTimeout;

    public RemoteForwardTable(ILogger? logger, TimeSpan? connectTimeout = null)
    {
        _logger = logger;
        _connectTimeout = connectTimeout ?? DirectTcpipConnector.DefaultConnectTimeout;
    }

    /// <summary>Optional handler for reverse dynamic forwards (-R port with no target): serves SOCKS on the channel.</summary>
    public Func<Stream, CancellationToken, Task>? DynamicHandler { get; set; }

    public void Add(RemoteForward forward)
    {
        lock (_forwards) _forwards.Add(forward);
    }

    /// <summary>Raised when a channel for a not yet known listener starts waiting for outstanding requests (tests).</summary>
    internal event Action? ChannelWaiting;

    /// <summary>A tcpip-forward / streamlocal-forward request is being sent; channels for unknown listeners wait for it.</summary>
    internal void BeginRequest()
    {
        lock (_forwards) _pendingRequests++;
    }

    /// <summary>The request begun by <see cref="BeginRequest"/> was answered and, when granted, its forward added.</summary>
    internal void EndRequest()
    {
        TaskCompletionSource? settled = null;
        lock (_forwards)
        {
            if (--_pendingRequests == 0)
            {
                settled = _requestsSettled;
                _requestsSettled = null;
            }
        }
        settled?.TrySetResult();
    }

    /// <summary>
    /// Looks a listener up; when it is unknown while forward requests are outstanding, waits (at most
    /// <see cref="PendingRequestWait"/>) for them to settle and looks again.
    /// </summary>
    private async Task<RemoteForward?> FindSettledAsync(Func<RemoteForward?> find, CancellationToken cancellationToken)
    {
        bool announced = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PendingRequestWait);
        while (true)
        {
            Task settled;
            lock (_forwards)
            {
                if (find() is { } found) return found;
                if (_pendingRequests == 0) return null;
                _requestsSettled ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                settled = _requestsSettled.Task;
            }
            if (!announced)
            {
                announced = true;
                ChannelWaiting?.Invoke();
            }
            try
            {
                await settled.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lock (_forwards) return find();
            }
        }
    }

    public void Remove(RemoteForward forward)
    {
        lock (_forwards) _forwards.Remove(forward);
    }

    private RemoteForward? Find(string address, uint port)
    {
        lock (_forwards)
        {
            RemoteForward? byPort = null;
            foreach (RemoteForward f in _forwards)
            {
                if (f.ListenPath is not null || f.BoundPort != port) continue;
                if (f.AddressToBind == address) return f;
                byPort ??= f;
            }
            return byPort ?? (port == 0 ? FindRequestedPortZero(address) : null);
        }
    }

    /// <summary>
    /// Some servers (AsyncSSH 2.10) name the port as requested, 0, rather than the allocated one in forwarded-tcpip
    /// for a "-R 0" forward; OpenSSH's client refuses those. We accept them when they can only mean one forward: the
    /// single one requested with port 0 (or the single one on the listen address named); never a guess between several. Called under the table's lock.
    /// </summary>
    private RemoteForward? FindRequestedPortZero(string address)
    {
        RemoteForward? any = null, sameAddress = null;
        int anyCount = 0, sameAddressCount = 0;
        foreach (RemoteForward f in _forwards)
        {
            if (f.ListenPath is not null || f.Spec.ListenPort != 0) continue;
            any = f;
            anyCount++;
            if (f.AddressToBind != address) continue;
            sameAddress = f;
            sameAddressCount++;
        }
        if (sameAddressCount > 0) return sameAddressCount == 1 ? sameAddress : null;
        return anyCount == 1 ? any : null;
    }

    private RemoteForward? FindPath(string path)
    {
        lock (_forwards) return _forwards.Find(f => f.ListenPath == path);
    }

    /// <summary>Handles one forwarded-streamlocal@openssh.com open: finds the forward by path, connects its target, pumps. Refuses unknown ones.</summary>
    public async Task HandleStreamLocalAsync(IncomingChannelOpen open, CancellationToken cancellationToken)
    {
        ForwardedStreamLocalOpenData data;
        try
        {
            data = StreamLocalMessages.ParseForwardedOpen(open.TypeSpecificData);
        }
        catch (SshProtocolException)
        {
            await open.RejectAsync(ChannelOpenFailureReason.ConnectFailed, "malformed forwarded-streamlocal request", cancellationToken).ConfigureAwait(false);
            return;
        }
        RemoteForward? forward = await FindSettledAsync(() => FindPath(data.SocketPath), cancellationToken).ConfigureAwait(false);
        if (forward is null)
        {
            // OpenSSH clientloop.c: "WARNING: Server requests forwarding for unknown path P"
            _logger?.LogError("WARNING: Server requests forwarding for unknown path {Path}", Server.ServerLog.Sanitize(data.SocketPath));
            await open.RejectAsync(ChannelOpenFailureReason.ConnectFailed, "unknown path", cancellationToken).ConfigureAwait(false);
            return;
        }
        await ConnectAndPumpAsync(open, forward, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Handles one forwarded-tcpip open: finds the forward, connects its target, pumps. Refuses unknown ones.</summary>
    public async Task HandleAsync(IncomingChannelOpen open, CancellationToken cancellationToken)
    {
        ForwardedTcpipOpenData data;
        try
        {
            data = ForwardedTcpipOpenData.Parse(open.TypeSpecificData);
        }
        catch (SshProtocolException)
        {
            await open.RejectAsync(ChannelOpenFailureReason.ConnectFailed, "malformed forwarded-tcpip request", cancellationToken).ConfigureAwait(false);
            return;
        }
        RemoteForward? forward = await FindSettledAsync(() => Find(data.ConnectedAddress, data.ConnectedPort), cancellationToken).ConfigureAwait(false);
        if (forward is null)
        {
            // OpenSSH: "WARNING: Server requests forwarding for unknown listen_port N"
            _logger?.LogError("WARNING: Server requests forwarding for unknown listen_port {Port}", data.ConnectedPort);
            await open.RejectAsync(ChannelOpenFailureReason.ConnectFailed, "unknown listen_port", cancellationToken).ConfigureAwait(false);
            return;
        }
        await ConnectAndPumpAsync(open, forward, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Connects the forward's target (TCP host:port or Unix path), accepts the channel and pumps; for a reverse dynamic
    /// forward (no target, on a port or a path) serves SOCKS on the channel instead.
    /// </summary>
    private async Task ConnectAndPumpAsync(IncomingChannelOpen open, RemoteForward forward, CancellationToken cancellationToken)
    {
        if (forward.Spec.IsDynamic)
        {
            if (DynamicHandler is not { } serve)
            {
                await open.RejectAsync(ChannelOpenFailureReason.AdministrativelyProhibited, "dynamic forwarding unsupported", cancellationToken).ConfigureAwait(false);
                return;
            }
            SshChannel dynamicChannel = await open.AcceptAsync(cancellationToken).ConfigureAwait(false);
            await serve(dynamicChannel.Stream, cancellationToken).ConfigureAwait(false);
            return;
        }
        System.Net.Sockets.Socket socket;
        try
        {
            socket = forward.Spec.ConnectPath is { } path
                ? await UnixSocketConnector.ConnectAsync(path, cancellationToken).ConfigureAwait(false)
                : await DirectTcpipConnector.ConnectAsync(forward.Spec.ConnectHost!, forward.Spec.ConnectPort, _connectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SshChannelOpenException e)
        {
            // OpenSSH (client side of -R): "connect_to HOST port N: failed." / "connect_to PATH: failed."
            if (forward.Spec.ConnectPath is { } failedPath) _logger?.LogError("connect_to {Path}: failed.", failedPath);
            else _logger?.LogError("connect_to {Host} port {Port}: failed.", forward.Spec.ConnectHost, forward.Spec.ConnectPort);
            await open.RejectAsync(e.Reason, e.Description, cancellationToken).ConfigureAwait(false);
            return;
        }
        SshChannel channel;
        try
        {
            channel = await open.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        await StreamPump.RunAsync(socket, channel.Stream, cancellationToken).ConfigureAwait(false);
    }
}
