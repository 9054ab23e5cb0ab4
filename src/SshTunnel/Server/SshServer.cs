using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SshTunnel.Forwarding;

namespace SshTunnel.Server;

/// <summary>
/// An SSH server for forwarding only (RFC 4251-4254), speaking to any standard client (OpenSSH, PuTTY, paramiko):
/// listens on <see cref="SshServerOptions.ListenEndPoints"/>, drops excess unauthenticated connections as sshd's
/// MaxStartups and PerSourceMaxStartups do, and runs one <see cref="SshServerSession"/> per client.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly ConcurrentDictionary<SshServerSession, Task> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<IPAddress, int> _perSource = [];
    private SshServerOptions _options;
    private int _unauthenticated;
    private long _connectionNumber;
    private int _started;

    /// <summary>Creates the server; call <see cref="StartAsync"/> to listen.</summary>
    /// <exception cref="ArgumentException">No host key.</exception>
    public SshServer(SshServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _options = options;
    }

    /// <summary>The options new connections use.</summary>
    public SshServerOptions Options => Volatile.Read(ref _options);

    /// <summary>The endpoints actually listened on (with the ports chosen for port 0), after <see cref="StartAsync"/>.</summary>
    public IReadOnlyList<IPEndPoint> ListenEndPoints { get; private set; } = [];

    /// <summary>The sessions now running.</summary>
    public IReadOnlyCollection<SshServerSession> Sessions => [.. _sessions.Keys];

    /// <summary>Connections accepted and not yet authenticated (what MaxStartups limits).</summary>
    public int UnauthenticatedCount => Volatile.Read(ref _unauthenticated);

    /// <summary>Cancelled once <see cref="StopAsync"/> has begun.</summary>
    public CancellationToken Stopping => _stopping.Token;

    private ILogger Logger => Options.Logger ?? NullLogger.Instance;

    /// <summary>
    /// Replaces the options for connections accepted from now on (host keys, algorithms, authorizers, limits), as sshd
    /// re-reads its configuration on SIGHUP. Sessions already running keep theirs; the listen endpoints do not change.
    /// </summary>
    /// <exception cref="ArgumentException">No host key.</exception>
    public void UpdateOptions(SshServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        Volatile.Write(ref _options, options);
    }

    private static void Validate(SshServerOptions options)
    {
        if (options.HostKeys.Count == 0) throw new ArgumentException("At least one host key is required.", nameof(options));
    }

    /// <summary>
    /// Binds every <see cref="SshServerOptions.ListenEndPoints"/> and starts accepting. An endpoint that cannot be bound
    /// is logged ("Bind to port P on A failed: ...") and skipped, as sshd does; it is an error only when none can be bound.
    /// </summary>
    /// <exception cref="IOException">"Cannot bind any address." (inner: the last <see cref="SocketException"/>).</exception>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("The server was already started.");
        SocketException? last = null;
        var bound = new List<IPEndPoint>();
        foreach (IPEndPoint endPoint in Options.ListenEndPoints)
        {
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (endPoint.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
                socket.Bind(endPoint);
                socket.Listen(128);
                _listeners.Add(socket);
                var local = (IPEndPoint)socket.LocalEndPoint!;
                bound.Add(local);
                ServerLog.Info(Logger, string.Create(CultureInfo.InvariantCulture, $"Server listening on {local.Address} port {local.Port}."));
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
                ServerLog.Error(Logger, string.Create(CultureInfo.InvariantCulture,
                    $"Bind to port {endPoint.Port} on {endPoint.Address} failed: {DirectTcpipConnector.Describe(e)}."));
            }
        }
        if (_listeners.Count == 0) throw new IOException("Cannot bind any address.", last);
        ListenEndPoints = bound;
        using (ExecutionContext.SuppressFlow())
        {
            foreach (Socket listener in _listeners) _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener), CancellationToken.None));
        }
        return Task.CompletedTask;
    }

    private Task AcceptLoopAsync(Socket listener) => AcceptLoop.RunAsync(listener, OnAccepted, Logger, _stopping.Token);

    private void OnAccepted(Socket socket)
    {
        IPEndPoint remote;
        IPEndPoint local;
        try
        {
            remote = (IPEndPoint)socket.RemoteEndPoint!;
            local = (IPEndPoint)socket.LocalEndPoint!;
        }
        catch (SocketException)
        {
            socket.Dispose(); // reset before we looked at it
            return;
        }
        long number = Interlocked.Increment(ref _connectionNumber);
        SshServerOptions options = Options;
        string? drop = ShouldDrop(options.MaxStartups) ? "past MaxStartups"
            : IsSourceFull(remote.Address, options.PerSourceMaxStartups) ? "past per-source limit"
            : null;
        if (drop is not null)
        {
            ServerLog.Info(Logger, string.Create(CultureInfo.InvariantCulture,
                $"drop connection #{number} from [{remote.Address}]:{remote.Port} on [{local.Address}]:{local.Port} {drop}"));
            socket.Dispose();
            return;
        }
        ConfigureAcceptedSocket(socket, options);
        ServerLog.Debug(Logger, string.Create(CultureInfo.InvariantCulture, $"Connection from {remote.Address} port {remote.Port} on {local.Address} port {local.Port}"));
        StartSession(new NetworkStream(socket, ownsSocket: true), remote, local);
    }

    /// <summary>TCP_NODELAY, and SO_KEEPALIVE per <see cref="SshServerOptions.TcpKeepAlive"/> (sshd's TCPKeepAlive).</summary>
    internal static void ConfigureAcceptedSocket(Socket socket, SshServerOptions options)
    {
        try
        {
            socket.NoDelay = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, options.TcpKeepAlive);
        }
        catch (SocketException)
        {
            // The peer is already gone; the session will notice.
        }
    }

    /// <summary>PerSourceMaxStartups: the source already has <paramref name="limit"/> unauthenticated connections.</summary>
    private bool IsSourceFull(IPAddress address, int? limit)
    {
        if (limit is not { } max) return false;
        lock (_perSource) return _perSource.GetValueOrDefault(SourceKey(address)) >= max;
    }

    private static IPAddress SourceKey(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>sshd's drop_connection(): random early drop between start and full unauthenticated connections.</summary>
    private bool ShouldDrop(StartupLimits limits)
    {
        int startups = Volatile.Read(ref _unauthenticated);
        if (limits.Full <= 0) return false;
        if (startups >= limits.Full) return true;
        if (startups < limits.Start) return false;
        int p = 100 - limits.Rate;
        p *= startups - limits.Start;
        p /= limits.Full - limits.Start;
        p += limits.Rate;
        return Random.Shared.Next(100) < p;
    }

    /// <summary>
    /// Serves one client over an already connected stream (e.g. a socket accepted elsewhere, systemd socket activation,
    /// or an in-memory stream in tests). Completes when the session has ended; never throws for the client's faults.
    /// </summary>
    /// <param name="stream">The byte stream to the client; the session disposes it.</param>
    /// <param name="remoteEndPoint">The client's address and port (for policy and logs).</param>
    /// <param name="cancellationToken">Ends the session when cancelled.</param>
    public async Task AcceptAsync(Stream stream, IPEndPoint remoteEndPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        (SshServerSession session, Task run) = StartSession(stream, remoteEndPoint, null);
        using CancellationTokenRegistration registration = cancellationToken.Register(static s => ((SshServerSession)s!).Close(), session);
        await run.ConfigureAwait(false);
    }

    private (SshServerSession Session, Task Run) StartSession(Stream stream, IPEndPoint remote, IPEndPoint? local)
    {
        Interlocked.Increment(ref _unauthenticated);
        IPAddress source = SourceKey(remote.Address);
        lock (_perSource) _perSource[source] = _perSource.GetValueOrDefault(source) + 1;
        var session = new SshServerSession(this, Options, stream, remote, local);
        // Registered before it runs (so StopAsync sees it and the removal at its end cannot come first), then started on
        // the thread pool in one hop.
        Task<Task> start;
        using (ExecutionContext.SuppressFlow())
        {
            start = new Task<Task>(() => RunSessionAsync(session), CancellationToken.None, TaskCreationOptions.DenyChildAttach); // captures no context
        }
        Task run = start.Unwrap();
        _sessions.TryAdd(session, run);
        start.Start(TaskScheduler.Default);
        if (_stopping.IsCancellationRequested) session.Close();
        return (session, run);
    }

    private async Task RunSessionAsync(SshServerSession session)
    {
        try
        {
            await session.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _sessions.TryRemove(session, out _);
        }
    }

    /// <summary>Called once per session when it authenticates or ends unauthenticated: frees its MaxStartups slots.</summary>
    internal void OnAuthenticationEnded(IPAddress remoteAddress)
    {
        Interlocked.Decrement(ref _unauthenticated);
        IPAddress source = SourceKey(remoteAddress);
        lock (_perSource)
        {
            int left = _perSource.GetValueOrDefault(source) - 1;
            if (left > 0) _perSource[source] = left;
            else _perSource.Remove(source);
        }
    }

    /// <summary>
    /// Stops accepting, closes every session (DISCONNECT by application; forwards end) and waits for them to finish.
    /// Idempotent.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait for sessions (they have been told to close).</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            foreach (Socket listener in _listeners) listener.Dispose();
        }
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        foreach (SshServerSession session in _sessions.Keys) session.Close();
        await Task.WhenAll(_sessions.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>), waiting for sessions to end.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}
