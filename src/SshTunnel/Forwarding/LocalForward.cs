using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SshTunnel.Connection;
using SshTunnel.Errors;

namespace SshTunnel.Forwarding;

/// <summary>
/// A running local forward (OpenSSH -L / LocalForward): listens on the local bind addresses or a Unix-socket path and,
/// for every accepted connection, opens a "direct-tcpip" channel (RFC 4254 §7.2) or a "direct-streamlocal@openssh.com"
/// channel (OpenSSH PROTOCOL §2.4) through a delegate and pumps data both ways with half-close. Stops when disposed or
/// when the SSH connection closes (<see cref="Stopped"/>). Connections already forwarded keep running after the
/// listener stops, as in OpenSSH.
/// </summary>
public sealed class LocalForward : IAsyncDisposable
{
    /// <summary>The originator OpenSSH reports for a connection that has no IP peer (a Unix-socket listener).</summary>
    private const string UnixOriginatorAddress = "127.0.0.1";
    private const int UnixOriginatorPort = 65535;

    private readonly Socket[] _listeners;
    private readonly Func<string, int, CancellationToken, ValueTask<Stream>> _openChannel;
    private readonly ILogger? _logger;
    private readonly CancellationTokenSource _stopped = new();
    private readonly CancellationToken _connectionClosed;
    private readonly CancellationTokenRegistration _connectionClosedRegistration;
    private readonly Task[] _acceptLoops;
    private int _connectionNumber;
    private Exception? _stopReason;

    private LocalForward(Socket[] listeners, string? listenPath, Func<string, int, CancellationToken, ValueTask<Stream>> openChannel, LocalForwardOptions options)
    {
        _listeners = listeners;
        _openChannel = openChannel;
        _logger = options.Logger;
        _connectionClosed = options.ConnectionClosed;
        ListenPath = listenPath;
        ListenEndPoints = listenPath is null ? [.. listeners.Select(l => (IPEndPoint)l.LocalEndPoint!)] : [];
        _connectionClosedRegistration = _connectionClosed.UnsafeRegister(static s =>
            ((LocalForward)s!).Stop(new SshConnectionException("connection closed", DisconnectReason.ConnectionLost)), this);
        using (ExecutionContext.SuppressFlow())
        {
            _acceptLoops = [.. listeners.Select(l => Task.Run(() => ForwardListener.AcceptLoopAsync(l, HandleConnectionAsync, Stop, _stopped.Token)))];
        }
    }

    /// <summary>The Unix-socket path listened on, or <see langword="null"/> for a TCP listener.</summary>
    public string? ListenPath { get; }

    /// <summary>The addresses actually listened on (one per bound address family/address), with the real port; empty for a Unix-socket listener.</summary>
    public IReadOnlyList<IPEndPoint> ListenEndPoints { get; }

    /// <summary>Cancelled once the forward stopped (disposed, listener failure or connection closed).</summary>
    public CancellationToken Stopped => _stopped.Token;

    /// <summary>Throws the reason the forward stopped, if it has.</summary>
    /// <exception cref="ObjectDisposedException">The forward was disposed.</exception>
    /// <exception cref="SshConnectionException">The SSH connection closed.</exception>
    public void ThrowIfStopped()
    {
        if (_stopped.IsCancellationRequested) throw Volatile.Read(ref _stopReason) ?? new ObjectDisposedException(nameof(LocalForward));
    }

    /// <summary>
    /// Binds the listeners and starts accepting. Bind addresses follow OpenSSH (FORWARDING-CLI.md §5): none →
    /// 127.0.0.1 and ::1 (wildcard with GatewayPorts); "*" or "" → wildcard, both families; "localhost" → loopback,
    /// both families; anything else → exactly that address (every address a name resolves to). Each family gets its
    /// own socket (IPV6_V6ONLY on v6, SO_REUSEADDR); binding at least one address counts as success.
    /// </summary>
    /// <param name="bindAddress">The bind_address of the -L spec, or null when none was given.</param>
    /// <param name="listenPort">Local port; 0 picks one (the same for every address when possible).</param>
    /// <param name="hostToConnect">Host the server connects to (sent as-is in direct-tcpip).</param>
    /// <param name="portToConnect">Port the server connects to.</param>
    /// <param name="openChannel">Opens a direct-tcpip channel: (host, port, originator address, originator port, token) → stream; throws <see cref="SshChannelOpenException"/> when refused.</param>
    /// <param name="options">GatewayPorts, address family, logger, connection-closed token.</param>
    /// <param name="cancellationToken">Cancels name resolution.</param>
    /// <exception cref="ForwardBindException">No address could be bound ("channel_setup_fwd_listener_tcpip: cannot listen to port: N").</exception>
    public static async Task<LocalForward> StartAsync(string? bindAddress, int listenPort, string hostToConnect, int portToConnect,
        Func<string, int, string, int, CancellationToken, ValueTask<Stream>> openChannel, LocalForwardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(listenPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(listenPort, 65535);
        ArgumentNullException.ThrowIfNull(openChannel);
        options ??= new LocalForwardOptions();
        IPAddress[] addresses = await ForwardListener.ResolveBindAddressesAsync(bindAddress, options.GatewayPorts, options.AddressFamily, cancellationToken).ConfigureAwait(false);
        Socket[] listeners = ForwardListener.BindAll(addresses, listenPort, options.Logger);
        return new LocalForward(listeners, null, (originator, originatorPort, ct) => openChannel(hostToConnect, portToConnect, originator, originatorPort, ct), options);
    }

    /// <summary>
    /// Starts any -L forward (FORWARDING-CLI.md §3): a TCP listener (bind rules as in the other overload) or a Unix-socket
    /// listener at <see cref="ForwardSpec.ListenPath"/>, forwarding each connection through a "direct-tcpip" channel to
    /// <see cref="ForwardSpec.ConnectHost"/>:<see cref="ForwardSpec.ConnectPort"/> or a "direct-streamlocal@openssh.com"
    /// channel (OpenSSH PROTOCOL §2.4) to <see cref="ForwardSpec.ConnectPath"/>. A Unix listener is created with mode
    /// <c>0777 &amp; ~<see cref="LocalForwardOptions.StreamLocalBindMask"/></c> (see <see cref="LocalForwardOptions"/>).
    /// Connections on a Unix listener are reported to the server as coming from 127.0.0.1 port 65535, as OpenSSH does.
    /// </summary>
    /// <param name="spec">The forward (its <see cref="ForwardSpec.Kind"/> is not checked; it must have a destination).</param>
    /// <param name="openDirectTcpip">Opens a direct-tcpip channel: (host, port, originator address, originator port, token) → stream.</param>
    /// <param name="openDirectStreamLocal">Opens a direct-streamlocal@openssh.com channel: (socket path, token) → stream.</param>
    /// <param name="options">GatewayPorts, address family, StreamLocalBindMask/Unlink, logger, connection-closed token.</param>
    /// <param name="cancellationToken">Cancels name resolution.</param>
    /// <exception cref="ArgumentException">The spec has no destination (a dynamic forward).</exception>
    /// <exception cref="ForwardBindException">The listener could not be created: "channel_setup_fwd_listener_tcpip: cannot listen
    /// to port: N", or "unix_listener: cannot bind to path P: Address already in use".</exception>
    public static async Task<LocalForward> StartAsync(ForwardSpec spec,
        Func<string, int, string, int, CancellationToken, ValueTask<Stream>> openDirectTcpip,
        Func<string, CancellationToken, ValueTask<Stream>> openDirectStreamLocal,
        LocalForwardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(openDirectTcpip);
        ArgumentNullException.ThrowIfNull(openDirectStreamLocal);
        if (spec.IsDynamic) throw new ArgumentException("a local forward needs a destination", nameof(spec));
        options ??= new LocalForwardOptions();
        Func<string, int, CancellationToken, ValueTask<Stream>> open = spec.ConnectPath is { } path
            ? (_, _, ct) => openDirectStreamLocal(path, ct)
            : (originator, originatorPort, ct) => openDirectTcpip(spec.ConnectHost!, spec.ConnectPort, originator, originatorPort, ct);
        if (spec.ListenPath is { } listenPath)
        {
            // The caller reports the failure (OpenSSH prints the unix_listener line, then "Could not request local forwarding.").
            Socket listener = UnixSocketListener.Bind(listenPath, options.StreamLocalBindMask, options.StreamLocalBindUnlink);
            return new LocalForward([listener], listenPath, open, options);
        }
        ArgumentOutOfRangeException.ThrowIfNegative(spec.ListenPort, nameof(spec));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(spec.ListenPort, 65535, nameof(spec));
        IPAddress[] addresses = await ForwardListener.ResolveBindAddressesAsync(spec.ListenHost, options.GatewayPorts, options.AddressFamily, cancellationToken).ConfigureAwait(false);
        Socket[] listeners = ForwardListener.BindAll(addresses, spec.ListenPort, options.Logger);
        return new LocalForward(listeners, null, open, options);
    }

    private async Task HandleConnectionAsync(Socket socket)
    {
        int number = Interlocked.Increment(ref _connectionNumber);
        Stream channel;
        string originator = "?";
        try
        {
            if (socket.RemoteEndPoint is IPEndPoint remote)
            {
                socket.NoDelay = true;
                originator = remote.ToString();
                channel = await _openChannel(remote.Address.ToString(), remote.Port, _stopped.Token).ConfigureAwait(false);
            }
            else
            {
                originator = ListenPath ?? "unix";
                channel = await _openChannel(UnixOriginatorAddress, UnixOriginatorPort, _stopped.Token).ConfigureAwait(false);
            }
        }
        catch (SshChannelOpenException ex)
        {
            uint id = ex is ChannelOpenFailedException f ? f.LocalChannelId : (uint)number;
            if (_logger is not null)
            {
                string reasonText = ChannelOpenFailedException.ReasonText(ex.Reason);
                ForwardingLog.ChannelOpenFailed(_logger, id, reasonText, ex.Description);
            }
            socket.Dispose();
            return;
        }
        catch (Exception ex)
        {
            if (_logger?.IsEnabled(LogLevel.Debug) == true) ForwardingLog.PumpFailed(_logger, originator, ex.Message);
            socket.Dispose();
            return;
        }
        Exception? error = await StreamPump.RunAsync(socket, channel, _connectionClosed).ConfigureAwait(false);
        if (error is not null && _logger?.IsEnabled(LogLevel.Debug) == true) ForwardingLog.PumpFailed(_logger, originator, error.Message);
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
        Stop(new ObjectDisposedException(nameof(LocalForward)));
        await _connectionClosedRegistration.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
    }
}
