using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SshTunnel.Client.KnownHosts;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Forwarding;
using SshTunnel.Keys;

namespace SshTunnel.Client;

/// <summary>
/// A forwarding session that survives connection loss (what autossh adds to OpenSSH): it holds a set of local (-L),
/// dynamic (-D) and remote (-R) forwards on top of an <see cref="SshClient"/> and, when that connection is lost
/// (transport closed, disconnect received, or <see cref="ReconnectOptions.ServerAliveInterval"/> keepalives unanswered),
/// connects again with exponential backoff and jitter, re-authenticates, re-verifies the host key and re-requests every
/// remote forward (RFC 4254 §7.1 tcpip-forward, or streamlocal-forward@openssh.com).
/// <para>
/// Local and dynamic listeners stay open across a reconnection, so client applications see no refused connections:
/// a connection accepted while the session is down waits up to <see cref="ReconnectOptions.PendingConnectionTimeout"/>
/// for it to come back, then is closed. Connections that were being forwarded when the connection was lost are cut
/// (their channels died with it).
/// </para>
/// <para>
/// Host key rule: every reconnection must present exactly the host key that the first connection verified through
/// <see cref="SshClientOptions.VerifyHostKeyAsync"/> (which is not asked again, so nothing prompts while the session
/// runs unattended). Any other key, even one known_hosts would accept, stops reconnecting for good with
/// <see cref="SshHostKeyException"/>. A refused authentication also stops it (the credentials that worked were
/// rejected; retrying could lock the account). Other failures (refused, timed out, reset, protocol errors) are retried.
/// </para>
/// <para>
/// The first connection is not retried: <see cref="ConnectAsync(SshClientOptions, ReconnectOptions?, CancellationToken)"/> throws as <see cref="SshClient.ConnectAsync"/> does.
/// Log lines (through <see cref="SshClientOptions.Logger"/>) and <see cref="StateChanged"/> events report each step.
/// </para>
/// </summary>
public sealed class ReconnectingSshClient : IAsyncDisposable
{
    private readonly SshClientOptions _firstOptions;
    private readonly SshClientOptions _reconnectOptions;
    private readonly Func<HostKeyContext, CancellationToken, ValueTask<bool>> _verifyHostKey;
    private readonly ReconnectOptions _reconnect;
    private readonly ReconnectBackoff _backoff;
    private readonly ILogger? _logger;
    private readonly CancellationTokenSource _stopped = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private readonly List<ReconnectingRemoteForward> _remoteForwards = [];
    private TaskCompletionSource<SshClient> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SshClient? _current;
    private SshPublicKey? _pinnedHostKey;
    private IReadOnlyList<string>? _permitRemoteOpen;
    private Task _supervisor = Task.CompletedTask;
    private int _reconnectCount;
    private int _disposed;

    private ReconnectingSshClient(SshClientOptions options, ReconnectOptions reconnect, Func<double>? random)
    {
        _verifyHostKey = options.VerifyHostKeyAsync;
        _reconnect = reconnect;
        _backoff = new ReconnectBackoff(reconnect, random);
        _logger = options.Logger;
        _firstOptions = ReconnectClientOptions.Copy(options, VerifyHostKeyAsync, options.ConnectTimeout);
        _reconnectOptions = ReconnectClientOptions.Copy(options, VerifyHostKeyAsync, options.ConnectTimeout ?? reconnect.AttemptTimeout);
        Host = options.Host;
        Port = options.Port;
        _completion.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The server's host name or address (<see cref="SshClientOptions.Host"/>).</summary>
    public string Host { get; }

    /// <summary>The server's TCP port.</summary>
    public int Port { get; }

    /// <summary>The host key the first connection verified; every reconnection must present this same key.</summary>
    public SshPublicKey ServerHostKey => Volatile.Read(ref _pinnedHostKey)!;

    /// <summary>The connection in use, or <see langword="null"/> while the session is down or after it stopped.</summary>
    public SshClient? CurrentClient
    {
        get
        {
            lock (_gate) return _current is { } c && !c.Closed.IsCancellationRequested ? c : null;
        }
    }

    /// <summary>True while a connection is up.</summary>
    public bool IsConnected => CurrentClient is not null;

    /// <summary>How many times the session was re-established.</summary>
    public int ReconnectCount => Volatile.Read(ref _reconnectCount);

    /// <summary>
    /// Completes when the session ends: successfully after <see cref="DisposeAsync"/>, faulted when reconnecting stopped
    /// for good (<see cref="SshHostKeyException"/> for a changed host key, <see cref="SshAuthenticationException"/>,
    /// <see cref="ReconnectFailedException"/> after <see cref="ReconnectOptions.MaxAttempts"/>). Every listener has been
    /// stopped by then.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>
    /// Raised for each step (disconnected, reconnecting in N s, attempt failed, reconnected, remote forward restored or
    /// refused, failed), on the session's own task: handlers must return quickly; their exceptions are logged and ignored.
    /// </summary>
    public event EventHandler<ReconnectEventArgs>? StateChanged;

    /// <summary>
    /// Connects (as <see cref="SshClient.ConnectAsync"/>, with no retry) and starts watching the connection.
    /// </summary>
    /// <param name="options">The connection settings, used again for every reconnection (each attempt's connect and key
    /// exchange is limited by <see cref="SshClientOptions.ConnectTimeout"/>, or <see cref="ReconnectOptions.AttemptTimeout"/> when unset).</param>
    /// <param name="reconnect">Backoff, attempt limit, keepalive and pending-connection settings; null: the defaults.</param>
    /// <param name="cancellationToken">Cancels the first connection only.</param>
    /// <exception cref="ArgumentOutOfRangeException">A <see cref="ReconnectOptions"/> value is out of range.</exception>
    /// <exception cref="SshConnectionException">TCP connect failed, or the connection dropped.</exception>
    /// <exception cref="SshHostKeyException">The host key was refused.</exception>
    /// <exception cref="SshAuthenticationException">No authentication method succeeded.</exception>
    /// <exception cref="SshProtocolException">The server broke the protocol or no algorithms matched.</exception>
    /// <exception cref="TimeoutException">ConnectTimeout elapsed.</exception>
    public static Task<ReconnectingSshClient> ConnectAsync(SshClientOptions options, ReconnectOptions? reconnect = null, CancellationToken cancellationToken = default)
        => ConnectAsync(options, reconnect, random: null, cancellationToken);

    /// <summary>As the public overload, with the jitter's random source (uniform in [0, 1)) for tests.</summary>
    internal static async Task<ReconnectingSshClient> ConnectAsync(SshClientOptions options, ReconnectOptions? reconnect, Func<double>? random, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        reconnect ??= new ReconnectOptions();
        reconnect.Validate();
        var session = new ReconnectingSshClient(options, reconnect, random);
        SshClient first = await SshClient.ConnectAsync(session._firstOptions, cancellationToken).ConfigureAwait(false);
        session.Publish(first);
        using (ExecutionContext.SuppressFlow())
        {
            session._supervisor = Task.Run(() => session.SuperviseAsync(first), CancellationToken.None);
        }
        return session;
    }

    /// <summary>
    /// Waits until a connection is up (at once when it is) and returns it. The client may be lost right after; prefer
    /// the forwards, which handle that.
    /// </summary>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only checks.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="TimeoutException">No connection within <paramref name="timeout"/>.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    /// <exception cref="SshException">Reconnecting stopped for good (the exception <see cref="Completion"/> holds).</exception>
    public async Task<SshClient> WaitForConnectionAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Task<SshClient> connected;
        lock (_gate)
        {
            if (_current is { } c)
            {
                if (!c.Closed.IsCancellationRequested) return c;
                MarkLostLocked(c);
            }
            connected = _connected.Task;
        }
        return await connected.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a local forward (-L) whose listener lives as long as this session (not just the current connection): each
    /// accepted connection is forwarded through a direct-tcpip (RFC 4254 §7.2) or direct-streamlocal@openssh.com channel
    /// of the connection in use, waiting up to <see cref="ReconnectOptions.PendingConnectionTimeout"/> for one while
    /// reconnecting. Parameters as <see cref="SshClient.StartLocalForwardAsync"/>; dispose the handle to stop it.
    /// </summary>
    /// <exception cref="ArgumentException">The spec has no destination (use <see cref="StartDynamicForwardAsync"/>).</exception>
    /// <exception cref="ForwardBindException">No listen address could be bound, or the Unix socket could not be created.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed or stopped.</exception>
    public async Task<LocalForward> StartLocalForwardAsync(ForwardSpec spec, bool gatewayPorts = false, AddressFamily addressFamily = AddressFamily.Unspecified,
        int streamLocalBindMask = 0x7F, bool streamLocalBindUnlink = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ThrowIfStopped();
        var options = new LocalForwardOptions
        {
            GatewayPorts = gatewayPorts,
            AddressFamily = addressFamily,
            StreamLocalBindMask = streamLocalBindMask,
            StreamLocalBindUnlink = streamLocalBindUnlink,
            Logger = _logger,
            ConnectionClosed = _stopped.Token,
        };
        return await LocalForward.StartAsync(spec,
            (host, port, originator, originatorPort, ct) => OpenChannelAsync(host, port, originator, originatorPort, path: null, ct),
            (path, ct) => OpenChannelAsync(null, 0, null, 0, path, ct),
            options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a dynamic forward (-D, SOCKS4/4a/5 and HTTP CONNECT) whose listener lives as long as this session; a request
    /// made while reconnecting waits up to <see cref="ReconnectOptions.PendingConnectionTimeout"/>, then gets a failure
    /// reply. Parameters as <see cref="SshClient.StartDynamicForwardAsync"/>.
    /// </summary>
    /// <exception cref="ForwardBindException">No listen address could be bound, or the Unix socket could not be created.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed or stopped.</exception>
    public async Task<DynamicForward> StartDynamicForwardAsync(ForwardSpec spec, bool gatewayPorts = false, AddressFamily addressFamily = AddressFamily.Unspecified,
        int streamLocalBindMask = 0x7F, bool streamLocalBindUnlink = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ThrowIfStopped();
        var options = new DynamicForwardOptions
        {
            GatewayPorts = gatewayPorts,
            AddressFamily = addressFamily,
            StreamLocalBindMask = streamLocalBindMask,
            StreamLocalBindUnlink = streamLocalBindUnlink,
            Logger = _logger,
            ConnectionClosed = _stopped.Token,
        };
        Func<string, int, string, int, CancellationToken, ValueTask<Stream>> open =
            (host, port, originator, originatorPort, ct) => OpenChannelAsync(host, port, originator, originatorPort, path: null, ct);
        return spec.ListenPath is { } path
            ? DynamicForward.StartOnPath(path, open, options)
            : await DynamicForward.StartAsync(spec.ListenHost, spec.ListenPort, open, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a remote forward (-R) on the connection in use and re-requests it after every reconnection (a refusal then
    /// is logged as ssh words it and retried with the reconnection backoff while that connection lasts: typically the
    /// server still holds the port for the connection that was lost). Waits up to
    /// <see cref="ReconnectOptions.PendingConnectionTimeout"/> for a connection. Dispose the handle to cancel the forward.
    /// </summary>
    /// <exception cref="SshRequestRejectedException">The server refused ("remote port forwarding failed for listen port N"); nothing is kept then.</exception>
    /// <exception cref="TimeoutException">No connection within the pending-connection timeout.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed or stopped.</exception>
    public async Task<ReconnectingRemoteForward> StartRemoteForwardAsync(ForwardSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ThrowIfStopped();
        SshClient client = await WaitForConnectionAsync(_reconnect.PendingConnectionTimeout, cancellationToken).ConfigureAwait(false);
        RemoteForward forward = await client.StartRemoteForwardAsync(spec, cancellationToken).ConfigureAwait(false);
        var handle = new ReconnectingRemoteForward(this, spec, forward);
        lock (_gate) _remoteForwards.Add(handle);
        return handle;
    }

    /// <summary>
    /// Serves reverse dynamic forwards (-R port with no target) on every connection, now and after reconnections; see
    /// <see cref="SshClient.EnableReverseDynamicForwarding"/>.
    /// </summary>
    public void EnableReverseDynamicForwarding(IReadOnlyList<string> permitRemoteOpen)
    {
        ArgumentNullException.ThrowIfNull(permitRemoteOpen);
        SshClient? client;
        lock (_gate)
        {
            _permitRemoteOpen = permitRemoteOpen;
            client = _current;
        }
        client?.EnableReverseDynamicForwarding(permitRemoteOpen);
    }

    internal void Remove(ReconnectingRemoteForward forward)
    {
        lock (_gate) _remoteForwards.Remove(forward);
    }

    /// <summary>Opens a direct-tcpip (or, with <paramref name="path"/>, direct-streamlocal) channel on the connection in use, waiting for one (bounded).</summary>
    private async ValueTask<Stream> OpenChannelAsync(string? host, int port, string? originator, int originatorPort, string? path, CancellationToken cancellationToken)
    {
        long deadline = Environment.TickCount64 + (long)_reconnect.PendingConnectionTimeout.TotalMilliseconds;
        while (true)
        {
            SshClient client;
            try
            {
                TimeSpan remaining = TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
                client = await WaitForConnectionAsync(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or ObjectDisposedException or SshException)
            {
                throw new SshChannelOpenException(ChannelOpenFailureReason.ConnectFailed, $"not connected to {Host} (reconnecting)");
            }
            try
            {
                return path is null
                    ? await client.OpenDirectTcpipAsync(host!, port, originator!, originatorPort, cancellationToken).ConfigureAwait(false)
                    : await client.OpenDirectStreamLocalAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshConnectionException or IOException or ObjectDisposedException && client.Closed.IsCancellationRequested)
            {
                // The connection was lost under this open: wait for the next one (within the same deadline).
            }
        }
    }

    private void ThrowIfStopped() => ObjectDisposedException.ThrowIf(_stopped.IsCancellationRequested, this);

    /// <summary>Makes <paramref name="client"/> the connection in use and wakes whoever waits for one.</summary>
    private bool Publish(SshClient client)
    {
        TaskCompletionSource<SshClient> connected;
        IReadOnlyList<string>? permit;
        lock (_gate)
        {
            if (_stopped.IsCancellationRequested) return false;
            _current = client;
            connected = _connected;
            permit = _permitRemoteOpen;
        }
        if (permit is not null) client.EnableReverseDynamicForwarding(permit);
        client.Closed.UnsafeRegister(static (state, _) =>
        {
            var (session, lost) = ((ReconnectingSshClient, SshClient))state!;
            lock (session._gate) session.MarkLostLocked(lost);
        }, (this, client));
        connected.TrySetResult(client);
        return true;
    }

    /// <summary>Under <see cref="_gate"/>: <paramref name="client"/> is gone; later waiters wait for the next one.</summary>
    private void MarkLostLocked(SshClient client)
    {
        if (!ReferenceEquals(_current, client)) return;
        _current = null;
        if (_connected.Task.IsCompleted && !_stopped.IsCancellationRequested) _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Watches each connection, reconnects after a loss, and ends the session on a fatal failure.</summary>
    private async Task SuperviseAsync(SshClient client)
    {
        try
        {
            while (true)
            {
                Exception reason = await WaitForLossAsync(client).ConfigureAwait(false);
                if (_stopped.IsCancellationRequested) return;
                lock (_gate) MarkLostLocked(client);
                await client.DisposeAsync().ConfigureAwait(false);
                ReportLoss(reason);
                client = await ReconnectAsync().ConfigureAwait(false);
                if (!Publish(client))
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                    return;
                }
                int count = Interlocked.Increment(ref _reconnectCount);
                Log(LogLevel.Information, string.Create(CultureInfo.InvariantCulture, $"Reconnected to {Host} port {Port} (reconnection {count})."));
                Raise(new ReconnectEventArgs(ReconnectEventKind.Reconnected, count));
                await RestoreRemoteForwardsAsync(client).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopped.IsCancellationRequested)
        {
            // disposed
        }
        catch (Exception e)
        {
            await FailAsync(e).ConfigureAwait(false);
        }
    }

    /// <summary>Completes when <paramref name="client"/> is lost (or the session stops); returns why.</summary>
    private async Task<Exception> WaitForLossAsync(SshClient client)
    {
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using CancellationTokenRegistration closed = client.Closed.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), lost);
        using CancellationTokenRegistration stopped = _stopped.Token.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), lost);
        Task? keepAlive = _reconnect.ServerAliveInterval is { } interval
            ? client.RunKeepAliveAsync(interval, _reconnect.ServerAliveCountMax, _stopped.Token)
            : null;
        if (keepAlive is not null) await Task.WhenAny(lost.Task, keepAlive).ConfigureAwait(false);
        else await lost.Task.ConfigureAwait(false);
        Exception? keepAliveFailure = null;
        if (keepAlive is not null)
        {
            try
            {
                // Ends promptly once the connection closed or the session stopped (it watches both).
                await keepAlive.ConfigureAwait(false);
            }
            catch (SshConnectionException e) when (e.Message.StartsWith("Timeout, server", StringComparison.Ordinal))
            {
                keepAliveFailure = e;
            }
            catch (Exception e) when (e is OperationCanceledException or SshException or IOException)
            {
                if (!lost.Task.IsCompleted) keepAliveFailure = e; // ended on its own: treat as a loss
            }
        }
        return keepAliveFailure ?? client.Failure ?? new SshConnectionException("connection closed", DisconnectReason.ConnectionLost);
    }

    /// <summary>ssh's words for the end of a connection, then the event.</summary>
    private void ReportLoss(Exception reason)
    {
        if (reason is SshConnectionException { Message: var timeout } && timeout.StartsWith("Timeout, server", StringComparison.Ordinal))
        {
            Log(LogLevel.Error, timeout);
        }
        else
        {
            if (reason is SshConnectionException { Reason: not DisconnectReason.None, Message: var m } && m.StartsWith("Received disconnect", StringComparison.Ordinal))
            {
                Log(LogLevel.Error, m);
            }
            Log(LogLevel.Error, $"Connection to {Host} closed by remote host.");
        }
        Raise(new ReconnectEventArgs(ReconnectEventKind.Disconnected, error: reason));
    }

    /// <summary>Attempts until one succeeds; throws on a fatal failure or when the attempts are used up.</summary>
    private async Task<SshClient> ReconnectAsync()
    {
        Exception? last = null;
        for (int attempt = 1; ; attempt++)
        {
            if (_reconnect.MaxAttempts is { } max && attempt > max)
            {
                throw new ReconnectFailedException(
                    string.Create(CultureInfo.InvariantCulture, $"Giving up reconnecting to {Host} port {Port} after {max} attempts: {last?.Message}"), max, last);
            }
            TimeSpan delay = _backoff.DelayBefore(attempt);
            string seconds = delay.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
            string of = _reconnect.MaxAttempts is { } limit ? "/" + limit.ToString(CultureInfo.InvariantCulture) : "";
            Log(LogLevel.Information, string.Create(CultureInfo.InvariantCulture, $"Reconnecting to {Host} port {Port} in {seconds} s (attempt {attempt}{of})."));
            Raise(new ReconnectEventArgs(ReconnectEventKind.Reconnecting, attempt, delay));
            await Task.Delay(delay, _stopped.Token).ConfigureAwait(false);
            try
            {
                return await SshClient.ConnectAsync(_reconnectOptions, _stopped.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (SshHostKeyException or SshAuthenticationException) && !_stopped.IsCancellationRequested
                                      && e is SshException or TimeoutException or IOException or SocketException or OperationCanceledException)
            {
                last = e;
                Log(LogLevel.Information, e.Message);
                Raise(new ReconnectEventArgs(ReconnectEventKind.AttemptFailed, attempt, error: e));
            }
        }
    }

    /// <summary>Re-requests every remote forward on the new connection; refused ones are retried in the background.</summary>
    private async Task RestoreRemoteForwardsAsync(SshClient client)
    {
        ReconnectingRemoteForward[] forwards;
        lock (_gate) forwards = [.. _remoteForwards];
        foreach (ReconnectingRemoteForward forward in forwards)
        {
            if (client.Closed.IsCancellationRequested) return;
            if (!await TryRestoreAsync(client, forward).ConfigureAwait(false))
            {
                using (ExecutionContext.SuppressFlow())
                {
                    _ = Task.Run(() => RetryRemoteForwardAsync(client, forward), CancellationToken.None);
                }
            }
        }
    }

    private async Task RetryRemoteForwardAsync(SshClient client, ReconnectingRemoteForward forward)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(client.Closed, _stopped.Token);
        try
        {
            for (int attempt = 1; !forward.IsDisposed; attempt++)
            {
                await Task.Delay(_backoff.DelayBefore(attempt), stop.Token).ConfigureAwait(false);
                if (forward.IsDisposed || await TryRestoreAsync(client, forward).ConfigureAwait(false)) return;
            }
        }
        catch (OperationCanceledException)
        {
            // the connection or the session ended: the next connection retries
        }
    }

    /// <summary>One tcpip-forward (or streamlocal-forward) request for <paramref name="forward"/>; false when refused.</summary>
    private async Task<bool> TryRestoreAsync(SshClient client, ReconnectingRemoteForward forward)
    {
        ForwardSpec spec = forward.Spec;
        try
        {
            RemoteForward restored = await client.StartRemoteForwardAsync(spec, _stopped.Token).ConfigureAwait(false);
            if (!forward.Replace(restored))
            {
                await restored.DisposeAsync().ConfigureAwait(false); // disposed meanwhile
                return true;
            }
            string target = spec.ConnectPath ?? (spec.ConnectHost is { } h ? string.Create(CultureInfo.InvariantCulture, $"{h}:{spec.ConnectPort}") : "socks:0");
            if (spec.ListenPath is null && spec.ListenPort == 0)
            {
                Log(LogLevel.Information, string.Create(CultureInfo.InvariantCulture, $"Allocated port {restored.BoundPort} for remote forward to {target}"));
            }
            Log(LogLevel.Debug, $"remote forward success for: listen {spec.ListenText}, connect {target}");
            Raise(new ReconnectEventArgs(ReconnectEventKind.RemoteForwardRestored, remoteForward: restored));
            return true;
        }
        catch (SshRequestRejectedException e)
        {
            string what = spec.ListenPath is { } path ? $"listen path {path}" : string.Create(CultureInfo.InvariantCulture, $"listen port {spec.ListenPort}");
            Log(LogLevel.Information, $"Warning: remote port forwarding failed for {what}");
            Raise(new ReconnectEventArgs(ReconnectEventKind.RemoteForwardFailed, error: e));
            return false;
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            return true; // the connection went away: the next one re-requests it
        }
    }

    /// <summary>
    /// Wraps the caller's host key check: the first connection asks it and pins the key it accepted; reconnections
    /// must present that very key (no question is asked again).
    /// </summary>
    private async ValueTask<bool> VerifyHostKeyAsync(HostKeyContext context, CancellationToken cancellationToken)
    {
        SshPublicKey? pinned = Volatile.Read(ref _pinnedHostKey);
        if (pinned is null)
        {
            bool trusted = await _verifyHostKey(context, cancellationToken).ConfigureAwait(false);
            if (trusted) Interlocked.CompareExchange(ref _pinnedHostKey, context.Key, null);
            return trusted;
        }
        if (pinned.Equals(context.Key)) return true;
        ReportChangedHostKey(context);
        return false;
    }

    /// <summary>OpenSSH's changed-host-key warning (sshconnect.c), then why reconnecting stops.</summary>
    private void ReportChangedHostKey(HostKeyContext context)
    {
        string keyType = KnownHostsFile.DisplayKeyType(context.Key.KeyType);
        string hostText = KnownHostsFile.FormatHostPattern(context.Host, context.Port);
        foreach (string line in (string[])[
            "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
            "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
            "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
            "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
            "Someone could be eavesdropping on you right now (man-in-the-middle attack)!",
            "It is also possible that a host key has just been changed.",
            $"The fingerprint for the {keyType} key sent by the remote host is",
            $"{context.Key.Fingerprint}.",
            "Please contact your system administrator.",
            $"Host key for {hostText} has changed since this session was established (it was {ServerHostKey.Fingerprint}); not reconnecting.",
        ])
        {
            Log(LogLevel.Error, line);
        }
    }

    private void Log(LogLevel level, string message)
    {
        if (_logger?.IsEnabled(level) == true) _logger.Log(level, "{Message}", message);
    }

    private void Raise(ReconnectEventArgs e)
    {
        try
        {
            StateChanged?.Invoke(this, e);
        }
#pragma warning disable CA1031 // a subscriber's bug must not stop the reconnection loop; it is logged
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log(LogLevel.Debug, $"ReconnectingSshClient.StateChanged handler failed: {ex.Message}");
        }
    }

    /// <summary>Stops for good: logs, raises Failed, stops the listeners, fails <see cref="Completion"/>.</summary>
    private async Task FailAsync(Exception error)
    {
        if (error is ReconnectFailedException) Log(LogLevel.Error, error.Message);
        Raise(new ReconnectEventArgs(ReconnectEventKind.Failed, error: error));
        SshClient? client;
        lock (_gate)
        {
            client = _current;
            _current = null;
            _connected.TrySetException(error);
            _connected.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        await _stopped.CancelAsync().ConfigureAwait(false);
        if (client is not null) await client.DisposeAsync().ConfigureAwait(false);
        _completion.TrySetException(error);
    }

    /// <summary>
    /// Stops reconnecting, closes every listener this session started and the connection in use (SSH_MSG_DISCONNECT by
    /// application), then completes <see cref="Completion"/>. Idempotent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _supervisor.ConfigureAwait(false);
            return;
        }
        await _stopped.CancelAsync().ConfigureAwait(false);
        await _supervisor.ConfigureAwait(false);
        SshClient? client;
        lock (_gate)
        {
            client = _current;
            _current = null;
            _connected.TrySetException(new ObjectDisposedException(nameof(ReconnectingSshClient)));
            _connected.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        if (client is not null) await client.DisposeAsync().ConfigureAwait(false);
        _completion.TrySetResult();
    }
}
