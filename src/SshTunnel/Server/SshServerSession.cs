using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using SshTunnel.Authentication;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Forwarding;
using SshTunnel.Server.Policy;
using SshTunnel.Transport;
using SshTunnel.Transport.PacketProtection;
using SshTunnel.Wire.Messages.Connection;
using PolicyLog = SshTunnel.Server.Policy.ForwardingLog;
using SshTunnel.Wire;

namespace SshTunnel.Server;

/// <summary>
/// One client of an <see cref="SshServer"/>: key exchange and authentication under LoginGraceTime, then the
/// connection layer (RFC 4254) serving forwarding only: direct-tcpip (ssh -L/-D), tcpip-forward /
/// cancel-tcpip-forward with forwarded-tcpip channels (ssh -R), their Unix-socket counterparts (OpenSSH PROTOCOL §2.4:
/// direct-streamlocal@openssh.com, streamlocal-forward@openssh.com / cancel-streamlocal-forward@openssh.com with
/// forwarded-streamlocal@openssh.com channels), and "session" channels whose shell/exec/subsystem
/// requests are refused with a message, so a client that forgot -N fails clearly.
/// </summary>
public sealed class SshServerSession
{
    /// <summary>The line written on a session channel's stderr when a shell, command or subsystem is requested.</summary>
    public const string ForwardingOnlyMessage = "this gateway only forwards; use -N";

    private readonly SshServer _server;
    private readonly SshServerOptions _options;
    private readonly Stream _stream;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly string _peer;
    private readonly Dictionary<(string Address, uint Port), RemoteForwardListener> _remoteForwards = [];
    private readonly Dictionary<string, StreamLocalForwardListener> _streamLocalForwards = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private ForwardingPolicy? _pendingPolicy;
    private ForwardingPolicy _policy = new(new ForwardingSettings { DisableForwarding = true });
    private SshConnection? _connection;
    private int _channels;
    private int _sessions;
    private int _authenticationEnded;

    internal SshServerSession(SshServer server, SshServerOptions options, Stream stream, IPEndPoint remoteEndPoint, IPEndPoint? localEndPoint)
    {
        _server = server;
        _options = options;
        _stream = stream;
        _logger = options.Logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        RemoteEndPoint = remoteEndPoint;
        LocalEndPoint = localEndPoint;
        RemoteAddress = AuthorizedKeyEntry.AddressString(remoteEndPoint.Address);
        _peer = RemoteAddress + " port " + remoteEndPoint.Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The client's address and port.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The server address and port the client connected to, when known.</summary>
    public IPEndPoint? LocalEndPoint { get; }

    /// <summary>The client's address as sshd prints it (IPv4-mapped addresses as IPv4).</summary>
    public string RemoteAddress { get; }

    /// <summary>The client's identification string, once received.</summary>
    public string? ClientVersion { get; private set; }

    /// <summary>The authenticated user, or null before authentication succeeded.</summary>
    public string? UserName { get; private set; }

    /// <summary>The method that succeeded ("publickey", "password", "keyboard-interactive"), or null.</summary>
    public string? AuthenticationMethod { get; private set; }

    /// <summary>The SHA256 fingerprint of the key that authenticated the user, or null.</summary>
    public string? KeyFingerprint { get; private set; }

    /// <summary>The forwarding policy in force (after authentication).</summary>
    public ForwardingPolicy ForwardingPolicy => _policy;

    /// <summary>Cancelled when the session has ended and its resources are released.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>The ports bound for the client's remote forwards, for diagnostics and tests.</summary>
    public IReadOnlyList<IPEndPoint> RemoteForwardEndPoints
    {
        get
        {
            lock (_lock) return [.. _remoteForwards.Values.SelectMany(l => l.EndPoints)];
        }
    }

    /// <summary>The socket paths listened on for the client's streamlocal remote forwards, for diagnostics and tests.</summary>
    public IReadOnlyList<string> RemoteForwardPaths
    {
        get
        {
            lock (_lock) return [.. _streamLocalForwards.Keys];
        }
    }

    /// <summary>Ends the session: DISCONNECT (by application) and release of its channels and listeners. Returns at once.</summary>
    public void Close() => _stop.Cancel();

    private string UserAndPeer => "user " + UserName + " " + _peer;

    // ================================================================ lifetime

    internal async Task RunAsync()
    {
        TransportConnection? transport = null;
        try
        {
            transport = await HandshakeAsync().ConfigureAwait(false);
            if (transport is null) return;
            await ServeAsync(transport).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            ServerLog.DebugException(_logger, e, "session " + _peer + " failed");
        }
        finally
        {
            EndAuthentication();
            RemoteForwardListener[] listeners;
            StreamLocalForwardListener[] pathListeners;
            lock (_lock)
            {
                listeners = [.. _remoteForwards.Values];
                _remoteForwards.Clear();
                pathListeners = [.. _streamLocalForwards.Values];
                _streamLocalForwards.Clear();
            }
            foreach (RemoteForwardListener listener in listeners) await listener.DisposeAsync().ConfigureAwait(false);
            foreach (StreamLocalForwardListener listener in pathListeners) await listener.DisposeAsync().ConfigureAwait(false);
            if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
            if (transport is not null) await transport.DisposeAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            await _closed.CancelAsync().ConfigureAwait(false);
        }
    }

    private void EndAuthentication()
    {
        if (Interlocked.Exchange(ref _authenticationEnded, 1) == 0) _server.OnAuthenticationEnded(RemoteEndPoint.Address);
    }

    /// <summary>Key exchange and authentication under LoginGraceTime; null when the client did not get in (logged).</summary>
    private async Task<TransportConnection?> HandshakeAsync()
    {
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        if (_options.LoginGraceTime > TimeSpan.Zero) grace.CancelAfter(_options.LoginGraceTime);
        TransportConnection? transport = null;
        string? user = null;
        try
        {
            transport = await TransportConnection.EstablishAsync(_stream, CreateTransportSettings(), grace.Token).ConfigureAwait(false);
            ClientVersion = transport.RemoteVersion;
            ServerAuthenticationResult result = await ServerAuthenticator.AuthenticateAsync(transport, CreateAuthenticationOptions(u => user = u), grace.Token).ConfigureAwait(false);
            _policy = _pendingPolicy ?? _policy;
            UserName = result.UserName;
            AuthenticationMethod = result.MethodName;
            KeyFingerprint = result.KeyFingerprint;
            EndAuthentication();
            string how = result.PublicKey is { } key ? ": " + KeyTypeName(key.KeyType) + " " + key.Fingerprint : "";
            ServerLog.Info(_logger, $"Accepted {result.MethodName} for {result.UserName} from {_peer} ssh2{how}");
            return transport;
        }
        catch (OperationCanceledException) when (grace.IsCancellationRequested)
        {
            if (_stop.IsCancellationRequested) ServerLog.Debug(_logger, "Connection from " + _peer + " closed: server shutting down [preauth]");
            else ServerLog.Info(_logger, "Timeout before authentication for " + _peer);
            transport?.Abort(new SshConnectionException("Timeout before authentication", DisconnectReason.ByApplication));
        }
        catch (SshAuthenticationException e)
        {
            ServerLog.Info(_logger, $"Disconnecting authenticating user {user} {_peer}: {e.Message.Split(" for ", 2)[0]} [preauth]");
        }
        catch (SshProtocolException e)
        {
            // sshd's wording for a failed algorithm negotiation (kex.c), else a generic protocol error line.
            ServerLog.Info(_logger, e.Message.StartsWith("no matching ", StringComparison.Ordinal)
                ? $"Unable to negotiate with {_peer}: {e.Message} [preauth]"
                : $"Bad protocol from {_peer}: {e.Message} [preauth]");
        }
        catch (Exception e) when (e is SshConnectionException or IOException or SocketException or ObjectDisposedException)
        {
            ServerLog.Info(_logger, (user is null ? "Connection closed by " : "Connection closed by authenticating user " + user + " ") + _peer + " [preauth]");
            ServerLog.DebugException(_logger, e, "pre-authentication failure from " + _peer);
        }
        if (transport is not null) await transport.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    private static string KeyTypeName(string keyType) => keyType switch
    {
        "ssh-ed25519" => "ED25519",
        "ssh-rsa" => "RSA",
        _ when keyType.StartsWith("ecdsa-", StringComparison.Ordinal) => "ECDSA",
        _ => keyType,
    };

    private TransportSettings CreateTransportSettings()
    {
        IReadOnlyList<string>? ciphers = _options.Ciphers;
        if (ciphers is not null && !ChaCha20Poly1305PacketCipher.IsNativeAvailable)
        {
            ciphers = [.. ciphers.Where(c => c != AlgorithmNames.ChaCha20Poly1305)];
        }
        return new TransportSettings
        {
            IsServer = true,
            LocalVersion = _options.ServerVersion,
            HostKeys = _options.HostKeys,
            KexAlgorithms = _options.KexAlgorithms,
            HostKeyAlgorithms = _options.HostKeyAlgorithms,
            Ciphers = ciphers,
            Macs = _options.Macs,
            PeerDescription = _peer,
        };
    }

    private ServerAuthenticationOptions CreateAuthenticationOptions(Action<string> seenUser)
    {
        Func<string, Keys.SshPublicKey, CancellationToken, ValueTask<bool>>? publicKey = null;
        if (_options.AuthorizePublicKeyAsync is { } authorizeKey)
        {
            publicKey = async (user, key, ct) =>
            {
                seenUser(user);
                // The application's check may block (file reads): never on a socket completion thread.
                ForwardingPolicy? policy = await Task.Run(() => authorizeKey(new PublicKeyAuthorizationContext(user, RemoteEndPoint, key), ct).AsTask(), ct).ConfigureAwait(false);
                _pendingPolicy = policy;
                return policy is not null;
            };
        }
        Func<string, string, CancellationToken, ValueTask<bool>>? password = null;
        if (_options.AuthorizePasswordAsync is { } authorizePassword)
        {
            password = async (user, pass, ct) =>
            {
                seenUser(user);
                // Slow by design (PBKDF2): on the thread pool, never on a socket completion thread.
                ForwardingPolicy? policy = await Task.Run(() => authorizePassword(new PasswordAuthorizationContext(user, RemoteEndPoint, pass), ct).AsTask(), ct).ConfigureAwait(false);
                _pendingPolicy = policy;
                if (policy is null) ServerLog.Info(_logger, $"Failed password for {user} from {_peer} ssh2");
                return policy is not null;
            };
        }
        return new ServerAuthenticationOptions
        {
            IsPublicKeyAuthorized = publicKey,
            IsPasswordValid = password,
            PasswordAuthentication = password is not null,
            KbdInteractiveAuthentication = password is not null && _options.KbdInteractiveAuthentication,
            MaxAuthTries = _options.MaxAuthTries,
            Banner = _options.Banner,
        };
    }

    /// <summary>Runs the connection layer until the client leaves, the keepalive times out or the server stops.</summary>
    private async Task ServeAsync(TransportConnection transport)
    {
        var connection = new SshConnection(transport, new SshConnectionOptions { MaxPendingChannelOpens = Math.Max(1, _options.MaxPendingChannelOpens) }, new SanitizingLogger(_logger));
        _connection = connection;
        connection.ChannelOpenHandler = OnChannelOpenAsync;
        connection.GlobalRequestHandler = OnGlobalRequestAsync;
        connection.Start();
        using CancellationTokenRegistration stopping = _stop.Token.Register(
            static s => ((SshConnection)s!).Abort(new SshConnectionException("server shutting down", DisconnectReason.ByApplication)), connection);
        Task keepAlive = Task.CompletedTask;
        if (_options.ClientAliveInterval > TimeSpan.Zero)
        {
            keepAlive = RunKeepAliveAsync(connection);
        }
        await connection.Completion.ConfigureAwait(false);
        await keepAlive.ConfigureAwait(false);
        ServerLog.Info(_logger, "Disconnected from " + UserAndPeer);
        if (connection.Failure is { } failure) ServerLog.Debug(_logger, "session " + _peer + " ended: " + failure.Message);
    }

    private async Task RunKeepAliveAsync(SshConnection connection)
    {
        try
        {
            await connection.RunKeepAliveAsync(_options.ClientAliveInterval, _options.ClientAliveCountMax, _stop.Token).ConfigureAwait(false);
        }
        catch (SshConnectionException)
        {
            ServerLog.Info(_logger, "Timeout, client not responding from " + UserAndPeer);
        }
    }

    // ================================================================ channels

    private async Task OnChannelOpenAsync(IncomingChannelOpen open)
    {
        if (Interlocked.Increment(ref _channels) > _options.MaxChannels)
        {
            Interlocked.Decrement(ref _channels);
            ServerLog.Info(_logger, $"refused {open.ChannelType} channel for {UserAndPeer}: more than {_options.MaxChannels} channels");
            await open.RejectAsync(ChannelOpenFailureReason.ResourceShortage, "too many channels", _closed.Token).ConfigureAwait(false);
            return;
        }
        try
        {
            switch (open.ChannelType)
            {
                case ChannelTypes.DirectTcpip:
                    await DirectTcpipAsync(open).ConfigureAwait(false);
                    break;
                case ChannelTypes.Session:
                    await SessionAsync(open).ConfigureAwait(false);
                    break;
                case ChannelTypes.DirectStreamLocal:
                    await DirectStreamLocalAsync(open).ConfigureAwait(false);
                    break;
                default:
                    ServerLog.Debug(_logger, $"refused channel type {open.ChannelType} for {UserAndPeer}");
                    await open.RejectAsync(ChannelOpenFailureReason.UnknownChannelType, "unknown channel type", _closed.Token).ConfigureAwait(false);
                    break;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _channels);
        }
    }

    private async Task DirectTcpipAsync(IncomingChannelOpen open)
    {
        DirectTcpipOpenData data;
        try
        {
            data = DirectTcpipOpenData.Parse(open.TypeSpecificData);
        }
        catch (SshProtocolException e)
        {
            ServerLog.Info(_logger, "bad direct-tcpip open from " + UserAndPeer + ": " + e.Message);
            await open.RejectAsync(ChannelOpenFailureReason.ConnectFailed, "open failed", _closed.Token).ConfigureAwait(false);
            return;
        }
        string host = data.HostToConnect;
        uint port = data.PortToConnect;
        if (!_policy.CanOpenDirectTcpip(host, port, out string reason))
        {
            ServerLog.Info(_logger, reason == PolicyLog.LocalForwardingDisabled
                ? PolicyLog.RefusedLocalPortForward(data.OriginatorAddress, data.OriginatorPort, host, port)
                : PolicyLog.ConnectDenied(RemoteAddress, RemoteEndPoint.Port, host, port));
            await open.RejectAsync(ChannelOpenFailureReason.AdministrativelyProhibited, "open failed", _closed.Token).ConfigureAwait(false);
            return;
        }
        Socket socket;
        try
        {
            socket = await DirectTcpipConnector.ConnectAsync(host, (int)port, _options.ConnectTimeout, _closed.Token).ConfigureAwait(false);
        }
        catch (SshChannelOpenException e)
        {
            ServerLog.Info(_logger, $"connect_to {host} port {port}: failed: {e.Description} (for {UserAndPeer})");
            await open.RejectAsync(e.Reason, e.Description, _closed.Token).ConfigureAwait(false);
            return;
        }
        SshChannel channel;
        try
        {
            channel = await open.AcceptAsync(_closed.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        string what = string.Create(CultureInfo.InvariantCulture, $"local forward to {host} port {port} (originator {data.OriginatorAddress} port {data.OriginatorPort})");
        await PumpAsync(socket, channel, what, "to target", "from target").ConfigureAwait(false);
    }

    /// <summary>direct-streamlocal@openssh.com (OpenSSH PROTOCOL §2.4, ssh -L ...:/path): connect to the Unix socket and pump.</summary>
    private async Task DirectStreamLocalAsync(IncomingChannelOpen open)
    {
        string path;
        try
        {
            path = StreamLocalMessages.ParseDirectOpen(open.TypeSpecificData).SocketPath;
        }
        catch (SshProtocolException e)
        {
            ServerLog.Info(_logger, "bad direct-streamlocal open from " + UserAndPeer + ": " + e.Message);
            await open.RejectAsync(ChannelOpenFailureReason.ConnectFailed, "open failed", _closed.Token).ConfigureAwait(false);
            return;
        }
        if (!_policy.CanOpenDirectStreamLocal(out _))
        {
            ServerLog.Info(_logger, PolicyLog.RefusedStreamLocalForward(RemoteAddress, (uint)RemoteEndPoint.Port, path));
            await open.RejectAsync(ChannelOpenFailureReason.AdministrativelyProhibited, "open failed", _closed.Token).ConfigureAwait(false);
            return;
        }
        Socket socket;
        try
        {
            socket = await UnixSocketConnector.ConnectAsync(path, _closed.Token).ConfigureAwait(false);
        }
        catch (SshChannelOpenException e)
        {
            // sshd answers "open failed" whatever connect(2) said (ssh prints "connect failed: open failed").
            ServerLog.Info(_logger, $"connect_to {path}: failed: {e.Description} (for {UserAndPeer})");
            await open.RejectAsync(ChannelOpenFailureReason.ConnectFailed, "open failed", _closed.Token).ConfigureAwait(false);
            return;
        }
        SshChannel channel;
        try
        {
            channel = await open.AcceptAsync(_closed.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        await PumpAsync(socket, channel, "streamlocal forward to " + path, "to target", "from target").ConfigureAwait(false);
    }

    private async Task PumpAsync(Socket socket, SshChannel channel, string what, string channelToSocketName, string socketToChannelName)
    {
        ServerLog.Info(_logger, $"Forward opened for {UserAndPeer}: {what}");
        var counters = new StreamPumpCounters();
        long started = Stopwatch.GetTimestamp();
        Exception? error = await StreamPump.RunAsync(socket, channel.Stream, counters, CancellationToken.None).ConfigureAwait(false);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        string ending = error is null ? "" : " (" + error.Message + ")";
        ServerLog.Info(_logger, string.Create(CultureInfo.InvariantCulture,
            $"Forward closed for {UserAndPeer}: {what}: {counters.ChannelToSocket} bytes {channelToSocketName}, {counters.SocketToChannel} bytes {socketToChannelName}, {seconds:F3} s{ending}"));
    }

    private async Task SessionAsync(IncomingChannelOpen open)
    {
        if (Interlocked.Increment(ref _sessions) > _options.MaxSessions)
        {
            Interlocked.Decrement(ref _sessions);
            ServerLog.Info(_logger, $"refused session for {UserAndPeer}: more than MaxSessions {_options.MaxSessions}");
            await open.RejectAsync(ChannelOpenFailureReason.AdministrativelyProhibited, "no more sessions", _closed.Token).ConfigureAwait(false);
            return;
        }
        try
        {
            // The handler must be in place before the confirmation leaves: ssh sends "exec" right after it.
            SshChannel channel = await open.AcceptAsync((c, request, ct) => OnSessionRequestAsync(c, request), _closed.Token).ConfigureAwait(false);
            await channel.Completion.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _sessions);
        }
    }

    /// <summary>
    /// shell/exec/subsystem: CHANNEL_SUCCESS, then the message on stderr, exit-status 1, EOF and CLOSE, so OpenSSH's
    /// client prints the message and exits with status 1 (as for a command that failed). pty-req, env and everything
    /// else are refused quietly with CHANNEL_FAILURE.
    /// </summary>
    private ValueTask<bool> OnSessionRequestAsync(SshChannel channel, IncomingChannelRequest request)
    {
        if (request.RequestType is not (ChannelRequestNames.Shell or ChannelRequestNames.Exec or ChannelRequestNames.Subsystem)) return ValueTask.FromResult(false);
        ServerLog.Info(_logger, $"refused {request.RequestType} request for {UserAndPeer}: {ForwardingOnlyMessage}");
        RefuseAfterReplyAsync(channel, request).Forget();
        return ValueTask.FromResult(true);
    }

    private async Task RefuseAfterReplyAsync(SshChannel channel, IncomingChannelRequest request)
    {
        try
        {
            await request.Replied.WaitAsync(_closed.Token).ConfigureAwait(false);
            await channel.WriteAsync(Encoding.UTF8.GetBytes(ForwardingOnlyMessage + "\r\n"), extended: true, _closed.Token).ConfigureAwait(false);
            await channel.SendExitStatusAsync(1, _closed.Token).ConfigureAwait(false);
            await channel.CompleteWritesAsync(_closed.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SshConnectionException)
        {
            // The client went away; closing is all that is left.
        }
        await channel.CloseAsync().ConfigureAwait(false);
    }

    // ================================================================ remote forwards (RFC 4254 §7.1)

    private async ValueTask<GlobalRequestReply> OnGlobalRequestAsync(IncomingGlobalRequest request, CancellationToken cancellationToken)
    {
        switch (request.RequestName)
        {
            case GlobalRequestNames.TcpipForward:
                return await TcpipForwardAsync(request, cancellationToken).ConfigureAwait(false);
            case GlobalRequestNames.CancelTcpipForward:
                return await CancelTcpipForwardAsync(request).ConfigureAwait(false);
            case GlobalRequestNames.StreamLocalForward:
                return StreamLocalForward(request);
            case GlobalRequestNames.CancelStreamLocalForward:
                return await CancelStreamLocalForwardAsync(request).ConfigureAwait(false);
            default:
                ServerLog.Debug(_logger, $"refused global request {request.RequestName} for {UserAndPeer}");
                return GlobalRequestReply.Failure;
        }
    }

    private async ValueTask<GlobalRequestReply> TcpipForwardAsync(IncomingGlobalRequest request, CancellationToken cancellationToken)
    {
        TcpipForwardRequestData data;
        try
        {
            data = TcpipForwardRequestData.Parse(request.RequestSpecificData);
        }
        catch (SshProtocolException e)
        {
            ServerLog.Info(_logger, "bad tcpip-forward request from " + UserAndPeer + ": " + e.Message);
            return GlobalRequestReply.Failure;
        }
        string address = data.AddressToBind;
        uint port = data.PortToBind;
        if (!_policy.CanListen(address, port, request.WantReply, out string reason))
        {
            ServerLog.Info(_logger, PolicyLog.RemoteForwardDenied(RemoteAddress, RemoteEndPoint.Port, address, port));
            ServerLog.Debug(_logger, reason);
            return GlobalRequestReply.Failure;
        }
        lock (_lock)
        {
            if (_remoteForwards.Count + _streamLocalForwards.Count >= _options.MaxRemoteForwards)
            {
                ServerLog.Info(_logger, $"refused remote forward {address} port {port} for {UserAndPeer}: more than {_options.MaxRemoteForwards} remote forwards");
                return GlobalRequestReply.Failure;
            }
        }
        ListenBinding binding = _policy.ResolveBindAddresses(address);
        if (binding.OverriddenByGatewayPorts) ServerLog.Debug(_logger, PolicyLog.ListenAddressOverridden(address));
        IReadOnlyList<IPAddress> addresses = binding.Addresses;
        if (binding.HostNameToResolve is { } name)
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                ServerLog.Info(_logger, $"remote forward {address} port {port} for {UserAndPeer}: cannot resolve: {DirectTcpipConnector.Describe(e)}");
                return GlobalRequestReply.Failure;
            }
        }
        RemoteForwardListener listener;
        try
        {
            listener = RemoteForwardListener.Bind(address, port, addresses);
        }
        catch (SocketException e)
        {
            ServerLog.Error(_logger, $"bind [{string.Join(", ", addresses)}]:{port}: {DirectTcpipConnector.Describe(e)} (remote forward for {UserAndPeer})");
            return GlobalRequestReply.Failure;
        }
        lock (_lock)
        {
            if (_closed.IsCancellationRequested || !_remoteForwards.TryAdd((address, (uint)listener.Port), listener))
            {
                listener.DisposeAsync().AsTask().Forget();
                return GlobalRequestReply.Failure;
            }
        }
        listener.Start(socket => ForwardedConnectionAsync(listener, socket), _logger);
        ServerLog.Info(_logger, $"Remote forward listening on {string.Join(", ", listener.EndPoints)} for {UserAndPeer} (requested {address} port {port})");
        if (port != 0) return GlobalRequestReply.Succeeded;
        byte[] response = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(response, (uint)listener.Port);
        return new GlobalRequestReply(true, response);
    }

    private async ValueTask<GlobalRequestReply> CancelTcpipForwardAsync(IncomingGlobalRequest request)
    {
        TcpipForwardRequestData data;
        try
        {
            data = TcpipForwardRequestData.Parse(request.RequestSpecificData);
        }
        catch (SshProtocolException)
        {
            return GlobalRequestReply.Failure;
        }
        RemoteForwardListener? listener = null;
        lock (_lock)
        {
            foreach (KeyValuePair<(string Address, uint Port), RemoteForwardListener> entry in _remoteForwards)
            {
                if (entry.Key.Address == data.AddressToBind && (entry.Key.Port == data.PortToBind || (data.PortToBind != 0 && entry.Value.RequestedPort == data.PortToBind)))
                {
                    listener = entry.Value;
                    _remoteForwards.Remove(entry.Key);
                    break;
                }
            }
        }
        if (listener is null) return GlobalRequestReply.Failure;
        await listener.DisposeAsync().ConfigureAwait(false);
        ServerLog.Info(_logger, $"Remote forward {data.AddressToBind} port {listener.Port} cancelled by {UserAndPeer}");
        return GlobalRequestReply.Succeeded;
    }

    /// <summary>
    /// streamlocal-forward@openssh.com (OpenSSH PROTOCOL §2.4, ssh -R /path:...): bind the path with StreamLocalBindMask
    /// (and StreamLocalBindUnlink) and open a forwarded-streamlocal@openssh.com channel per connection.
    /// </summary>
    private GlobalRequestReply StreamLocalForward(IncomingGlobalRequest request)
    {
        string path;
        try
        {
            path = StreamLocalForwardRequestData.Parse(request.RequestSpecificData).SocketPath;
        }
        catch (SshProtocolException e)
        {
            ServerLog.Info(_logger, "bad streamlocal-forward request from " + UserAndPeer + ": " + e.Message);
            return GlobalRequestReply.Failure;
        }
        if (!_policy.CanListenStreamLocal(out string reason))
        {
            ServerLog.Info(_logger, $"refused streamlocal remote forward on {path} for {UserAndPeer}");
            ServerLog.Debug(_logger, reason);
            return GlobalRequestReply.Failure;
        }
        lock (_lock)
        {
            if (_remoteForwards.Count + _streamLocalForwards.Count >= _options.MaxRemoteForwards)
            {
                ServerLog.Info(_logger, $"refused remote forward {path} for {UserAndPeer}: more than {_options.MaxRemoteForwards} remote forwards");
                return GlobalRequestReply.Failure;
            }
            if (_streamLocalForwards.ContainsKey(path))
            {
                ServerLog.Info(_logger, $"refused remote forward {path} for {UserAndPeer}: already forwarded");
                return GlobalRequestReply.Failure;
            }
        }
        StreamLocalForwardListener listener;
        try
        {
            listener = StreamLocalForwardListener.Bind(path, _options.StreamLocalBindMask, _options.StreamLocalBindUnlink);
        }
        catch (ForwardBindException e)
        {
            ServerLog.Error(_logger, $"{e.Message} (remote forward for {UserAndPeer})");
            return GlobalRequestReply.Failure;
        }
        lock (_lock)
        {
            if (_closed.IsCancellationRequested || !_streamLocalForwards.TryAdd(path, listener))
            {
                listener.DisposeAsync().AsTask().Forget();
                return GlobalRequestReply.Failure;
            }
        }
        listener.Start(socket => ForwardedStreamLocalConnectionAsync(listener, socket), _logger);
        ServerLog.Info(_logger, $"Remote forward listening on {path} for {UserAndPeer}");
        return GlobalRequestReply.Succeeded;
    }

    private async ValueTask<GlobalRequestReply> CancelStreamLocalForwardAsync(IncomingGlobalRequest request)
    {
        string path;
        try
        {
            path = StreamLocalForwardRequestData.Parse(request.RequestSpecificData).SocketPath;
        }
        catch (SshProtocolException)
        {
            return GlobalRequestReply.Failure;
        }
        StreamLocalForwardListener? listener;
        lock (_lock)
        {
            if (_streamLocalForwards.Remove(path, out listener) is false) return GlobalRequestReply.Failure;
        }
        await listener!.DisposeAsync().ConfigureAwait(false);
        ServerLog.Info(_logger, $"Remote forward {path} cancelled by {UserAndPeer}");
        return GlobalRequestReply.Succeeded;
    }

    /// <summary>Opens a forwarded-streamlocal@openssh.com channel (OpenSSH PROTOCOL §2.4) for a connection to a remote-forwarded socket.</summary>
    private Task ForwardedStreamLocalConnectionAsync(StreamLocalForwardListener listener, Socket socket) =>
        OpenToClientAndPumpAsync(socket, ChannelTypes.ForwardedStreamLocal, () => StreamLocalMessages.EncodeForwardedOpen(listener.Path), () => "remote forward " + listener.Path);

    /// <summary>Opens a forwarded-tcpip channel (RFC 4254 §7.2) to the client for a connection to a remote-forwarded port.</summary>
    private Task ForwardedConnectionAsync(RemoteForwardListener listener, Socket socket)
    {
        IPEndPoint remote;
        try
        {
            remote = (IPEndPoint)socket.RemoteEndPoint!;
        }
        catch (SocketException)
        {
            socket.Dispose(); // the originator is already gone
            return Task.CompletedTask;
        }
        string originator = AuthorizedKeyEntry.AddressString(remote.Address);
        return OpenToClientAndPumpAsync(socket, ChannelTypes.ForwardedTcpip,
            () => new ForwardedTcpipOpenData
            {
                ConnectedAddress = listener.AddressToBind,
                ConnectedPort = (uint)listener.Port,
                OriginatorAddress = originator,
                OriginatorPort = (uint)remote.Port,
            }.ToArray(),
            () => string.Create(CultureInfo.InvariantCulture, $"remote forward {listener.AddressToBind} port {listener.Port} from {originator} port {remote.Port}"));
    }

    /// <summary>
    /// For a connection accepted on a remote-forward listener: opens a channel of <paramref name="channelType"/> to the
    /// client (bounded by ConnectTimeout and the channel cap) and pumps; the socket is closed on any failure.
    /// </summary>
    private async Task OpenToClientAndPumpAsync(Socket socket, string channelType, Func<byte[]> typeSpecificData, Func<string> describe)
    {
        SshConnection? connection = _connection;
        if (connection is null || Interlocked.Increment(ref _channels) > _options.MaxChannels)
        {
            if (connection is not null) Interlocked.Decrement(ref _channels);
            socket.Dispose();
            return;
        }
        try
        {
            string what = describe();
            SshChannel channel;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token))
            {
                timeout.CancelAfter(_options.ConnectTimeout);
                try
                {
                    channel = await connection.OpenChannelAsync(channelType, typeSpecificData(), timeout.Token).ConfigureAwait(false);
                }
                catch (SshChannelOpenException e)
                {
                    ServerLog.Info(_logger, $"{what} for {UserAndPeer}: open failed: {e.Reason}: {e.Description}");
                    socket.Dispose();
                    return;
                }
                catch (Exception e) when (e is OperationCanceledException or SshConnectionException)
                {
                    ServerLog.Debug(_logger, $"{what} for {UserAndPeer}: open abandoned: {e.Message}");
                    socket.Dispose();
                    return;
                }
            }
            await PumpAsync(socket, channel, what, "to originator", "from originator").ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _channels);
        }
    }
}
