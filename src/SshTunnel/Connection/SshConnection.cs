using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SshTunnel.Errors;
using SshTunnel.Transport;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Connection;

/// <summary>
/// The RFC 4254 connection layer for either role over an <see cref="IPacketTransport"/>: one receive loop that
/// switches on the message number and routes channel messages by recipient id, the channel table, global
/// requests (sent with replies matched in order, received and answered in order) and keepalive.
/// <para>
/// The receive loop never waits for application code: channel data goes into per-channel buffers bounded by the
/// receive window; channel opens, global requests and channel requests with a handler run on other tasks, with
/// caps. The loop only awaits the transport (to receive, and to queue small control replies).
/// </para>
/// <para>
/// Protocol violations abort the transport with DISCONNECT(PROTOCOL_ERROR): window overrun, a message for an
/// unknown channel, data/EOF after EOF or CLOSE, data before the open was confirmed, a reply (global or channel)
/// with no request pending, a session open after no-more-sessions@openssh.com, an unexpected message number.
/// </para>
/// </summary>
internal sealed class SshConnection : IAsyncDisposable
{
    private readonly IPacketTransport _transport;
    private readonly SshConnectionOptions _options;
    private readonly ILogger? _logger;
    private readonly object _lock = new();
    private readonly Dictionary<uint, SshChannel> _channels = [];
    private readonly Queue<TaskCompletionSource<GlobalRequestReply>> _pendingGlobalReplies = new();
    private readonly SemaphoreSlim _globalRequestSendLock = new(1, 1);
    private readonly Channel<(IncomingGlobalRequest Request, GlobalRequestReply? Precomputed)> _incomingGlobalRequests;
    private uint _reservedChannelIds;
    private int _pendingOpens;
    private int _pendingIncomingGlobalRequests;
    private Exception? _failure;
    private Task? _receiveLoop;
    private Task? _globalRequestLoop;
    private long _lastReceivedTicks = Environment.TickCount64;
    private int _noMoreSessions;

    /// <summary>Creates the connection layer over an authenticated transport; call <see cref="Start"/> to run it.</summary>
    public SshConnection(IPacketTransport transport, SshConnectionOptions? options = null, ILogger? logger = null)
    {
        _transport = transport;
        _options = options ?? new SshConnectionOptions();
        _logger = logger;
        _incomingGlobalRequests = System.Threading.Channels.Channel.CreateUnbounded<(IncomingGlobalRequest, GlobalRequestReply?)>(
            new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }

    /// <summary>
    /// Decides incoming channel opens (both roles), off the receive loop; at most
    /// <see cref="SshConnectionOptions.MaxPendingChannelOpens"/> undecided at once (more get RESOURCE_SHORTAGE).
    /// Null: every open is refused with UNKNOWN_CHANNEL_TYPE. Set before <see cref="Start"/>.
    /// </summary>
    public Func<IncomingChannelOpen, Task>? ChannelOpenHandler { get; set; }

    /// <summary>
    /// Answers incoming global requests other than keepalive@openssh.com and no-more-sessions@openssh.com, off the
    /// receive loop, one at a time in order. Null: REQUEST_FAILURE to each with want-reply. Set before <see cref="Start"/>.
    /// </summary>
    public Func<IncomingGlobalRequest, CancellationToken, ValueTask<GlobalRequestReply>>? GlobalRequestHandler { get; set; }

    /// <summary>Cancelled when the connection has closed, for any reason.</summary>
    public CancellationToken Closed => _transport.Closed;

    /// <summary>The transport's remote identification string.</summary>
    public string RemoteVersion => _transport.RemoteVersion;

    /// <summary>True once the peer sent no-more-sessions@openssh.com (server role): further "session" opens abort the connection.</summary>
    public bool NoMoreSessionsReceived => Volatile.Read(ref _noMoreSessions) != 0;

    /// <summary>Completes when the receive loop has ended (the connection closed); never faults.</summary>
    public Task Completion => _receiveLoop ?? Task.CompletedTask;

    /// <summary>Why the connection ended, once it has.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Number of channels in the table (opening, open or closing); for tests and diagnostics.</summary>
    public int ChannelCount
    {
        get { lock (_lock) return _channels.Count; }
    }

    /// <summary>Starts the receive loop (and the global request loop). Call once.</summary>
    public void Start()
    {
        if (_receiveLoop is not null) throw new InvalidOperationException("Already started.");
        using (ExecutionContext.SuppressFlow())
        {
            _receiveLoop = Task.Run(ReceiveLoopAsync);
            _globalRequestLoop = Task.Run(GlobalRequestLoopAsync);
        }
    }

    /// <summary>Closes the connection (DISCONNECT with <paramref name="disconnectReason"/>). The first reason wins.</summary>
    public void Abort(Exception reason, DisconnectReason disconnectReason = DisconnectReason.ByApplication)
    {
        _transport.Abort(reason, disconnectReason);
        Fail(reason);
    }

    /// <summary>Aborts the connection (by application) and waits for the loops to end. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        Abort(new SshConnectionException("connection disposed", DisconnectReason.ByApplication));
        if (_receiveLoop is not null) await _receiveLoop.ConfigureAwait(false);
        if (_globalRequestLoop is not null) await _globalRequestLoop.ConfigureAwait(false);
    }

    internal ValueTask SendAsync(Packet packet, CancellationToken cancellationToken) => _transport.SendAsync(packet, cancellationToken);

    // ================================================================ opening channels

    /// <summary>
    /// Opens a channel (RFC 4254 §5.1) and waits for the confirmation. Cancelling does not leak the id: a later
    /// confirmation is answered with CLOSE.
    /// </summary>
    /// <exception cref="SshChannelOpenException">The peer refused (reason code and description).</exception>
    /// <exception cref="SshConnectionException">The connection is closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<SshChannel> OpenChannelAsync(string channelType, ReadOnlyMemory<byte> typeSpecificData, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SshChannel channel = AddChannel(channelType);
        var writer = new SshWriter(64 + channelType.Length + typeSpecificData.Length);
        new ChannelOpenMessage
        {
            ChannelType = channelType,
            SenderChannel = channel.LocalChannelId,
            InitialWindowSize = _options.ReceiveWindowSize,
            MaximumPacketSize = _options.MaximumPacketSize,
            TypeSpecificData = typeSpecificData.Span,
        }.Write(ref writer);
        try
        {
            // Not cancellable: once queued the open may be on the wire, and the id must stay until answered.
            await _transport.SendAsync(writer.ToPacket(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (SshConnectionException)
        {
            RemoveChannel(channel.LocalChannelId);
            throw;
        }
        try
        {
            await channel.OpenCompletion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            channel.AbandonOpen();
            throw;
        }
        return channel;
    }

    /// <summary>Opens a "direct-tcpip" channel (RFC 4254 §7.2): the peer connects to host:port.</summary>
    /// <exception cref="SshChannelOpenException">The peer refused (e.g. CONNECT_FAILED "Connection refused").</exception>
    public Task<SshChannel> OpenDirectTcpipAsync(string hostToConnect, uint portToConnect, string originatorAddress, uint originatorPort, CancellationToken cancellationToken = default)
    {
        byte[] data = new DirectTcpipOpenData
        {
            HostToConnect = hostToConnect,
            PortToConnect = portToConnect,
            OriginatorAddress = originatorAddress,
            OriginatorPort = originatorPort,
        }.ToArray();
        return OpenChannelAsync(ChannelTypes.DirectTcpip, data, cancellationToken);
    }

    /// <summary>Opens a "session" channel (RFC 4254 §6.1).</summary>
    public Task<SshChannel> OpenSessionAsync(CancellationToken cancellationToken = default)
        => OpenChannelAsync(ChannelTypes.Session, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>
    /// Keeps the lowest <paramref name="count"/> more channel numbers unused: OpenSSH gives each local listener socket a
    /// channel number, so reserving them here makes our numbers (and messages) match ssh's.
    /// </summary>
    internal void ReserveChannelIds(int count)
    {
        lock (_lock) _reservedChannelIds += (uint)Math.Max(0, count);
    }

    private SshChannel AddChannel(string channelType)
    {
        lock (_lock)
        {
            if (_failure is { } failure) throw AsConnectionException(failure);
            if (_channels.Count >= int.MaxValue / 2) throw new SshConnectionException("too many channels");
            // The lowest free number at or above the reserved ones, as OpenSSH numbers its channels (so
            // "channel N: open failed" texts match ssh's); reserved numbers stand for ssh's listener channels.
            uint id = _reservedChannelIds;
            while (_channels.ContainsKey(id)) id++;
            var channel = new SshChannel(this, id, channelType, _options.ReceiveWindowSize, _options.MaximumPacketSize);
            _channels.Add(id, channel);
            return channel;
        }
    }

    private void RemoveChannel(uint localChannelId)
    {
        lock (_lock) _channels.Remove(localChannelId);
    }

    /// <summary>Called by a channel once both CLOSE messages have passed (or the open failed).</summary>
    internal void ReleaseChannel(SshChannel channel)
    {
        lock (_lock)
        {
            if (_channels.TryGetValue(channel.LocalChannelId, out SshChannel? present) && ReferenceEquals(present, channel))
            {
                _channels.Remove(channel.LocalChannelId);
            }
        }
    }

    internal async Task<SshChannel> AcceptIncomingOpenAsync(IncomingChannelOpen open, Func<SshChannel, IncomingChannelRequest, CancellationToken, ValueTask<bool>>? requestHandler, CancellationToken cancellationToken)
    {
        SshChannel channel;
        try
        {
            channel = AddChannel(open.ChannelType);
            if (requestHandler is not null)
            {
                SshChannel self = channel;
                channel.RequestHandler = (request, ct) => requestHandler(self, request, ct);
            }
            channel.OnOpenConfirmed(open.SenderChannel, open.InitialWindowSize, open.MaximumPacketSize);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingOpens);
        }
        var writer = new SshWriter(24);
        new ChannelOpenConfirmationMessage
        {
            RecipientChannel = open.SenderChannel,
            SenderChannel = channel.LocalChannelId,
            InitialWindowSize = _options.ReceiveWindowSize,
            MaximumPacketSize = _options.MaximumPacketSize,
        }.Write(ref writer);
        try
        {
            await _transport.SendAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The confirmation was not queued (cancelled, or the connection is gone): the peer never learns our id,
            // so drop the channel and, if the connection still stands, answer the open with a failure instead.
            ReleaseChannel(channel);
            channel.OnConnectionFailed(ex);
            try
            {
                _transport.SendControl(CreateOpenFailure(open.SenderChannel, ChannelOpenFailureReason.ConnectFailed, "open failed"));
            }
            catch (SshConnectionException)
            {
                // Connection gone: nothing to answer.
            }
            throw;
        }
        return channel;
    }

    internal async Task RejectIncomingOpenAsync(IncomingChannelOpen open, ChannelOpenFailureReason reason, string description, CancellationToken cancellationToken)
    {
        Interlocked.Decrement(ref _pendingOpens);
        await _transport.SendAsync(CreateOpenFailure(open.SenderChannel, reason, description), cancellationToken).ConfigureAwait(false);
    }

    private static Packet CreateOpenFailure(uint recipientChannel, ChannelOpenFailureReason reason, string description)
    {
        var writer = new SshWriter(32 + description.Length * 3);
        new ChannelOpenFailureMessage { RecipientChannel = recipientChannel, ReasonCode = reason, Description = description, LanguageTag = "" }.Write(ref writer);
        return writer.ToPacket();
    }

    private async Task RunOpenHandlerAsync(Func<IncomingChannelOpen, Task> handler, IncomingChannelOpen open)
    {
        string description = "open failed";
        try
        {
            await handler(open).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (_logger?.IsEnabled(LogLevel.Debug) == true) _logger.LogDebug(ex, "channel open handler for {ChannelType} failed", open.ChannelType);
        }
        if (open.TryDecide())
        {
            Interlocked.Decrement(ref _pendingOpens);
            try
            {
                await _transport.SendAsync(CreateOpenFailure(open.SenderChannel, ChannelOpenFailureReason.ConnectFailed, description), CancellationToken.None).ConfigureAwait(false);
            }
            catch (SshConnectionException)
            {
                // Connection gone.
            }
        }
    }

    // ================================================================ global requests

    /// <summary>
    /// Sends a global request (RFC 4254 §4). With <paramref name="wantReply"/>, waits for the reply, matched to
    /// requests in the order sent; without, returns success once queued. Cancelling stops the wait only (the reply,
    /// when it comes, is consumed and dropped).
    /// </summary>
    /// <exception cref="SshConnectionException">The connection is closed.</exception>
    public async Task<GlobalRequestReply> SendGlobalRequestAsync(string requestName, ReadOnlyMemory<byte> requestSpecificData, bool wantReply, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<GlobalRequestReply>? reply = wantReply ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        var writer = new SshWriter(16 + requestName.Length + requestSpecificData.Length);
        new GlobalRequestMessage { RequestName = requestName, WantReply = wantReply, RequestSpecificData = requestSpecificData.Span }.Write(ref writer);
        Packet packet = writer.ToPacket();
        try
        {
            await _globalRequestSendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            packet.Dispose();
            throw;
        }
        try
        {
            lock (_lock)
            {
                if (_failure is { } failure)
                {
                    packet.Dispose();
                    throw AsConnectionException(failure);
                }
                if (reply is not null) _pendingGlobalReplies.Enqueue(reply);
            }
            // The pending entry and the wire order must match, so this send is not cancellable.
            await _transport.SendAsync(packet, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _globalRequestSendLock.Release();
        }
        return reply is null ? GlobalRequestReply.Succeeded : await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends no-more-sessions@openssh.com (client role, want-reply false).</summary>
    public Task SendNoMoreSessionsAsync(CancellationToken cancellationToken = default)
        => SendGlobalRequestAsync(GlobalRequestNames.NoMoreSessions, ReadOnlyMemory<byte>.Empty, wantReply: false, cancellationToken);

    private async Task GlobalRequestLoopAsync()
    {
        try
        {
            await foreach ((IncomingGlobalRequest request, GlobalRequestReply? precomputed) in _incomingGlobalRequests.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                GlobalRequestReply reply = GlobalRequestReply.Failure;
                if (precomputed.HasValue)
                {
                    reply = precomputed.Value;
                }
                else if (GlobalRequestHandler is { } handler)
                {
                    try
                    {
                        reply = await handler(request, Closed).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        if (_logger?.IsEnabled(LogLevel.Debug) == true) _logger.LogDebug(ex, "global request handler for {RequestName} failed", request.RequestName);
                        reply = GlobalRequestReply.Failure;
                    }
                }
                Interlocked.Decrement(ref _pendingIncomingGlobalRequests);
                if (request.WantReply)
                {
                    await _transport.SendAsync(CreateGlobalReply(reply), CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (SshConnectionException)
        {
            // Connection closed.
        }
    }

    private static Packet CreateGlobalReply(GlobalRequestReply reply)
    {
        var writer = new SshWriter(8 + reply.ResponseData.Length);
        if (reply.Success) new RequestSuccessMessage { ResponseSpecificData = reply.ResponseData }.Write(ref writer);
        else new RequestFailureMessage().Write(ref writer);
        return writer.ToPacket();
    }

    // ================================================================ keepalive

    /// <summary>
    /// OpenSSH's ServerAliveInterval/ServerAliveCountMax (or ClientAlive*): whenever <paramref name="interval"/> passes
    /// with nothing received, sends keepalive@openssh.com with want-reply. Any reply (success or failure) resets the
    /// count of unanswered keepalives; when a keepalive is due while <paramref name="countMax"/> are unanswered, the
    /// connection is aborted and this throws <see cref="SshConnectionException"/> "Timeout, server not responding.".
    /// Returns when <paramref name="cancellationToken"/> is cancelled or the connection closes for another reason.
    /// </summary>
    /// <exception cref="SshConnectionException">The keepalive timed out.</exception>
    public async Task RunKeepAliveAsync(TimeSpan interval, int countMax, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(countMax);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Closed);
        CancellationToken token = linked.Token;
        int unanswered = 0;
        long intervalMs = (long)interval.TotalMilliseconds;
        try
        {
            while (true)
            {
                long sinceReceive = Environment.TickCount64 - Volatile.Read(ref _lastReceivedTicks);
                long wait = intervalMs - sinceReceive;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), token).ConfigureAwait(false);
                    continue;
                }
                if (Volatile.Read(ref unanswered) >= countMax)
                {
                    var timeout = new SshConnectionException("Timeout, server not responding.", DisconnectReason.ConnectionLost);
                    Abort(timeout, DisconnectReason.ConnectionLost);
                    throw timeout;
                }
                Interlocked.Increment(ref unanswered);
                Task<GlobalRequestReply> reply = SendGlobalRequestAsync(GlobalRequestNames.KeepAlive, ReadOnlyMemory<byte>.Empty, wantReply: true, token);
                _ = reply.ContinueWith(t => { if (t.IsCompletedSuccessfully) Volatile.Write(ref unanswered, 0); }, CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                await Task.Delay(interval, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped by the caller or the connection closed.
        }
    }

    // ================================================================ receive loop

    private async Task ReceiveLoopAsync()
    {
        Exception? reason = null;
        try
        {
            while (true)
            {
                ValueTask<Packet> next = _transport.ReceiveAsync(Closed);
                if (!next.IsCompleted || _deferredWakeBytes >= DeferredWakeMaxBytes)
                {
                    // Nothing more is ready on the transport (or enough data waits): wake the readers now.
                    WakeDeferredReaders();
                }
                Packet packet = await next.ConfigureAwait(false);
                Packet reply = default;
                try
                {
                    Volatile.Write(ref _lastReceivedTicks, Environment.TickCount64);
                    reply = Dispatch(packet);
                }
                finally
                {
                    packet.Dispose();
                }
                if (!reply.IsEmpty) _transport.SendControl(reply); // never wait here: see IPacketTransport.SendControl
            }
        }
        catch (SshProtocolException ex)
        {
            _logger?.LogDebug(ex, "protocol error in the connection layer");
            _transport.Abort(ex, ex.Reason);
            reason = ex;
        }
        catch (OperationCanceledException ex)
        {
            reason = new SshConnectionException("connection closed", DisconnectReason.ConnectionLost, ex);
        }
        catch (Exception ex)
        {
            _transport.Abort(ex, DisconnectReason.ConnectionLost);
            reason = ex;
        }
        _deferredWakes.Clear();
        Fail(reason);
    }

    /// <summary>Channel data received, in bytes, after which waiting readers are woken even if more packets are ready.</summary>
    private const int DeferredWakeMaxBytes = 256 * 1024;

    /// <summary>
    /// Channels whose reader waits for data that has arrived, and not yet woken; touched only by the receive loop.
    /// Waking once per burst (when the transport has no further packet ready, see <see cref="ReceiveLoopAsync"/>)
    /// instead of once per packet lets a forwarding pump write a whole burst to its socket in one send.
    /// </summary>
    private readonly List<(SshChannel Channel, bool Extended)> _deferredWakes = [];
    private int _deferredWakeBytes;

    private void DeferWake(SshChannel channel, bool extended, int length)
    {
        _deferredWakeBytes += length;
        foreach ((SshChannel c, bool e) in _deferredWakes)
        {
            if (ReferenceEquals(c, channel) && e == extended) return;
        }
        _deferredWakes.Add((channel, extended));
    }

    private void WakeDeferredReaders()
    {
        _deferredWakeBytes = 0;
        if (_deferredWakes.Count == 0) return;
        // Index loop: a reader resumed inline may not add to the list (only Dispatch does), but stay robust anyway.
        for (int i = 0; i < _deferredWakes.Count; i++)
        {
            (SshChannel channel, bool extended) = _deferredWakes[i];
            channel.WakeReader(extended);
        }
        _deferredWakes.Clear();
    }

    /// <summary>Handles one packet. Returns a reply packet to send (or default). Throws <see cref="SshProtocolException"/> on a violation.</summary>
    private Packet Dispatch(Packet packet)
    {
        ReadOnlySpan<byte> payload = packet.Payload;
        var reader = new SshReader(payload);
        switch (packet.MessageNumber)
        {
            case MessageNumber.ChannelData:
            {
                uint recipient = ChannelDataHeader.ReadData(payload, out ReadOnlySpan<byte> data);
                SshChannel channel = GetChannel(recipient);
                if (channel.OnData(data, extended: false)) DeferWake(channel, extended: false, data.Length);
                return default;
            }
            case MessageNumber.ChannelExtendedData:
            {
                uint recipient = ChannelDataHeader.ReadExtendedData(payload, out uint dataTypeCode, out ReadOnlySpan<byte> data);
                SshChannel channel = GetChannel(recipient);
                if (dataTypeCode == ChannelDataHeader.ExtendedDataStderr)
                {
                    if (channel.OnData(data, extended: true)) DeferWake(channel, extended: true, data.Length);
                    return default;
                }
                uint bytesToAdd = channel.OnDiscardedData(data.Length);
                return bytesToAdd == 0 ? default : CreateWindowAdjust(channel.RemoteChannelId, bytesToAdd);
            }
            case MessageNumber.ChannelWindowAdjust:
            {
                var message = ChannelWindowAdjustMessage.Read(ref reader);
                GetChannel(message.RecipientChannel).OnWindowAdjust(message.BytesToAdd);
                return default;
            }
            case MessageNumber.ChannelEof:
            {
                var message = ChannelEofMessage.Read(ref reader);
                GetChannel(message.RecipientChannel).OnEof();
                return default;
            }
            case MessageNumber.ChannelClose:
            {
                var message = ChannelCloseMessage.Read(ref reader);
                GetChannel(message.RecipientChannel).OnClose();
                return default;
            }
            case MessageNumber.ChannelRequest:
                return OnChannelRequest(ChannelRequestMessage.Read(ref reader));
            case MessageNumber.ChannelSuccess:
            {
                var message = ChannelSuccessMessage.Read(ref reader);
                GetChannel(message.RecipientChannel).OnRequestReply(true);
                return default;
            }
            case MessageNumber.ChannelFailure:
            {
                var message = ChannelFailureMessage.Read(ref reader);
                GetChannel(message.RecipientChannel).OnRequestReply(false);
                return default;
            }
            case MessageNumber.ChannelOpen:
                return OnChannelOpen(ChannelOpenMessage.Read(ref reader));
            case MessageNumber.ChannelOpenConfirmation:
            {
                var message = ChannelOpenConfirmationMessage.Read(ref reader);
                GetChannel(message.RecipientChannel).OnOpenConfirmed(message.SenderChannel, message.InitialWindowSize, message.MaximumPacketSize);
                return default;
            }
            case MessageNumber.ChannelOpenFailure:
            {
                var message = ChannelOpenFailureMessage.Read(ref reader);
                SshChannel channel = GetChannel(message.RecipientChannel);
                channel.OnOpenFailed(message.ReasonCode, message.Description);
                ReleaseChannel(channel);
                return default;
            }
            case MessageNumber.GlobalRequest:
                return OnGlobalRequest(GlobalRequestMessage.Read(ref reader));
            case MessageNumber.RequestSuccess:
                CompleteGlobalRequest(new GlobalRequestReply(true, RequestSuccessMessage.Read(ref reader).ResponseSpecificData.ToArray()));
                return default;
            case MessageNumber.RequestFailure:
                RequestFailureMessage.Read(ref reader);
                CompleteGlobalRequest(GlobalRequestReply.Failure);
                return default;
            default:
                // The transport answers transport-layer unknowns with UNIMPLEMENTED (it knows the sequence number);
                // anything else reaching the connection layer (e.g. late user-auth messages) is a violation.
                throw new SshProtocolException($"unexpected message {(byte)packet.MessageNumber} in the connection layer");
        }
    }

    private SshChannel GetChannel(uint localChannelId)
    {
        lock (_lock)
        {
            if (_channels.TryGetValue(localChannelId, out SshChannel? channel)) return channel;
        }
        throw new SshProtocolException($"message for unknown channel {localChannelId}");
    }

    private static Packet CreateWindowAdjust(uint recipientChannel, uint bytesToAdd)
    {
        var writer = new SshWriter(ChannelWindowAdjustMessage.Length);
        new ChannelWindowAdjustMessage { RecipientChannel = recipientChannel, BytesToAdd = bytesToAdd }.Write(ref writer);
        return writer.ToPacket();
    }

    private Packet OnChannelOpen(ChannelOpenMessage message)
    {
        if (message.ChannelType == ChannelTypes.Session && NoMoreSessionsReceived)
        {
            // OpenSSH: "Possible attack: attempt to open a session after additional sessions disabled".
            throw new SshProtocolException("session channel opened after no-more-sessions@openssh.com");
        }
        Func<IncomingChannelOpen, Task>? handler = ChannelOpenHandler;
        if (handler is null)
        {
            return CreateOpenFailure(message.SenderChannel, ChannelOpenFailureReason.UnknownChannelType, "unknown channel type");
        }
        if (Interlocked.Increment(ref _pendingOpens) > _options.MaxPendingChannelOpens)
        {
            Interlocked.Decrement(ref _pendingOpens);
            return CreateOpenFailure(message.SenderChannel, ChannelOpenFailureReason.ResourceShortage, "too many pending channel opens");
        }
        var open = new IncomingChannelOpen(this, message.ChannelType, message.SenderChannel, message.InitialWindowSize, message.MaximumPacketSize, message.TypeSpecificData.ToArray());
        using (ExecutionContext.SuppressFlow())
        {
            Task.Run(() => RunOpenHandlerAsync(handler, open)).Forget();
        }
        return default;
    }

    private Packet OnChannelRequest(ChannelRequestMessage message)
    {
        SshChannel channel = GetChannel(message.RecipientChannel);
        channel.CheckOpenForRequest();
        bool builtIn = channel.TryHandleBuiltInRequest(message.RequestType, message.RequestSpecificData, out bool success);
        if (builtIn && channel.HasNoPendingIncomingRequests)
        {
            if (!message.WantReply) return default;
            channel.SendRequestReplyAsync(success).Forget();
            return default;
        }
        var request = new IncomingChannelRequest(channel, message.RequestType, message.WantReply, message.RequestSpecificData.ToArray());
        channel.EnqueueIncomingRequest(request, builtIn ? success : null, _options.MaxPendingChannelRequests);
        return default;
    }

    private Packet OnGlobalRequest(GlobalRequestMessage message)
    {
        GlobalRequestReply? precomputed = null;
        switch (message.RequestName)
        {
            case GlobalRequestNames.KeepAlive:
                precomputed = GlobalRequestReply.Failure; // any reply counts; FAILURE is what OpenSSH sends
                break;
            case GlobalRequestNames.NoMoreSessions:
                Volatile.Write(ref _noMoreSessions, 1);
                precomputed = GlobalRequestReply.Succeeded;
                break;
            default:
                if (GlobalRequestHandler is null) precomputed = GlobalRequestReply.Failure;
                break;
        }
        if (precomputed.HasValue && Volatile.Read(ref _pendingIncomingGlobalRequests) == 0)
        {
            return message.WantReply ? CreateGlobalReply(precomputed.Value) : default;
        }
        if (Interlocked.Increment(ref _pendingIncomingGlobalRequests) > _options.MaxPendingGlobalRequests)
        {
            throw new SshProtocolException($"more than {_options.MaxPendingGlobalRequests} global requests waiting for a reply");
        }
        var request = new IncomingGlobalRequest(message.RequestName, message.WantReply, message.RequestSpecificData.ToArray());
        _incomingGlobalRequests.Writer.TryWrite((request, precomputed));
        return default;
    }

    private void CompleteGlobalRequest(GlobalRequestReply reply)
    {
        TaskCompletionSource<GlobalRequestReply>? pending;
        lock (_lock)
        {
            if (!_pendingGlobalReplies.TryDequeue(out pending))
            {
                throw new SshProtocolException("global request reply with no request pending");
            }
        }
        pending.TrySetResult(reply);
    }

    // ================================================================ failure

    private void Fail(Exception? reason)
    {
        reason ??= new SshConnectionException("connection closed", DisconnectReason.ConnectionLost);
        SshChannel[] channels;
        TaskCompletionSource<GlobalRequestReply>[] replies;
        lock (_lock)
        {
            if (_failure is not null) return;
            _failure = reason;
            channels = [.. _channels.Values];
            _channels.Clear();
            replies = _pendingGlobalReplies.ToArray();
            _pendingGlobalReplies.Clear();
        }
        SshConnectionException connectionException = AsConnectionException(reason);
        foreach (SshChannel channel in channels) channel.OnConnectionFailed(connectionException);
        foreach (TaskCompletionSource<GlobalRequestReply> reply in replies) reply.TrySetException(connectionException);
        _incomingGlobalRequests.Writer.TryComplete();
    }

    private static SshConnectionException AsConnectionException(Exception reason) => reason switch
    {
        SshConnectionException ce => ce,
        SshProtocolException pe => new SshConnectionException(pe.Message, pe.Reason, pe),
        _ => new SshConnectionException(reason.Message, DisconnectReason.ConnectionLost, reason),
    };
}
