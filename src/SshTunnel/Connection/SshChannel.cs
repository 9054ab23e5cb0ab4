using SshTunnel.Errors;
using SshTunnel.Transport;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Connection;

/// <summary>
/// One RFC 4254 channel: ids, windows, inbound buffers, requests and close state. Created by
/// <see cref="SshConnection"/>; the application uses it through <see cref="Stream"/> (a <see cref="ChannelStream"/>).
/// Methods named On* are called by the connection's receive loop and never wait.
/// </summary>
internal sealed class SshChannel
{
    private enum State { Opening, Open, OpenFailed }

    private readonly SshConnection _connection;
    private readonly object _lock = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ChannelBuffer _data = new();
    private readonly ChannelBuffer _extendedData = new();
    private readonly AsyncSignal _dataSignal = new();
    private readonly AsyncSignal _extendedDataSignal = new();
    private readonly ReceiveWindow _receiveWindow;
    private readonly TaskCompletionSource _openCompletion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closeCompletion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<TaskCompletionSource<bool>> _pendingRequestReplies = new();
    private SendWindow _sendWindow = new(0);
    private State _state;
    private bool _openAbandoned;
    private bool _eofReceived;
    private bool _closeReceived;
    private bool _eofSent;
    private bool _closeSent;
    private bool _disposed;
    private bool _released;
    private Exception? _failure;
    private ChannelStream? _stream;
    private ChannelStream? _extendedStream;
    private int _pendingIncomingRequests;
    private Task _incomingRequestChain = Task.CompletedTask;

    internal SshChannel(SshConnection connection, uint localChannelId, string channelType, uint receiveWindowSize, uint maximumPacketSize)
    {
        _connection = connection;
        LocalChannelId = localChannelId;
        ChannelType = channelType;
        _receiveWindow = new ReceiveWindow(receiveWindowSize);
        LocalMaximumPacketSize = maximumPacketSize;
    }

    /// <summary>Our channel number (the peer's "recipient channel").</summary>
    public uint LocalChannelId { get; }

    /// <summary>The peer's channel number (our "recipient channel"); valid once open.</summary>
    public uint RemoteChannelId { get; private set; }

    /// <summary>The channel type (a <see cref="ChannelTypes"/> constant).</summary>
    public string ChannelType { get; }

    /// <summary>The maximum packet size we advertised.</summary>
    public uint LocalMaximumPacketSize { get; }

    /// <summary>Largest data chunk we send in one message: min(peer's maximum packet size, 32 KiB), at least 1.</summary>
    public int SendChunkSize { get; private set; } = 1;

    /// <summary>The send window (peer's credit).</summary>
    internal SendWindow SendWindow => _sendWindow;

    /// <summary>"exit-status" received from the peer, if any (RFC 4254 §6.10).</summary>
    public uint? ExitStatus { get; private set; }

    /// <summary>Signal name of "exit-signal" received from the peer, if any (RFC 4254 §6.10).</summary>
    public string? ExitSignal { get; private set; }

    /// <summary>True once the peer sent eow@openssh.com (it reads no more).</summary>
    public bool EndOfWriteReceived { get; private set; }

    /// <summary>
    /// Handler for the peer's channel requests other than exit-status, exit-signal, eow and keepalive; runs off the
    /// receive loop, one request at a time in arrival order (replies must stay in order, RFC 4254 §5.4). Returns
    /// true for CHANNEL_SUCCESS. Without a handler every such request with want-reply gets CHANNEL_FAILURE.
    /// </summary>
    public Func<IncomingChannelRequest, CancellationToken, ValueTask<bool>>? RequestHandler { get; set; }

    /// <summary>The channel as a stream of its data (RFC 4254 §5.2); disposing it closes the channel.</summary>
    public ChannelStream Stream => _stream ??= new ChannelStream(this, extended: false);

    /// <summary>The stderr extended data (data_type_code 1) as a stream: reads what the peer sent, writes send it. Disposing it does not close the channel.</summary>
    public ChannelStream StandardError => _extendedStream ??= new ChannelStream(this, extended: true);

    /// <summary>Completes when both sides have sent SSH_MSG_CHANNEL_CLOSE, or the connection ended.</summary>
    public Task Completion => _closeCompletion.Task;

    /// <summary>Completes when the open was confirmed; fails with <see cref="SshChannelOpenException"/> or the connection's failure.</summary>
    internal Task OpenCompletion => _openCompletion.Task;

    internal bool IsOpening
    {
        get { lock (_lock) return _state == State.Opening; }
    }

    // ---------------------------------------------------------------- receive loop side

    /// <summary>SSH_MSG_CHANNEL_OPEN_CONFIRMATION for a channel we opened, or our own confirmation of an incoming open.</summary>
    internal void OnOpenConfirmed(uint remoteChannelId, uint initialWindowSize, uint maximumPacketSize)
    {
        bool abandoned;
        lock (_lock)
        {
            if (_state != State.Opening) throw new SshProtocolException($"channel {LocalChannelId}: open confirmation for a channel that is not opening");
            RemoteChannelId = remoteChannelId;
            _sendWindow = new SendWindow(initialWindowSize);
            SendChunkSize = (int)Math.Clamp(maximumPacketSize, 1u, (uint)SshConnectionOptions.MaxSendDataLength);
            _state = State.Open;
            abandoned = _openAbandoned;
        }
        if (abandoned)
        {
            // The opener gave up (cancelled); close at once so the id is released when the peer's CLOSE arrives.
            CloseAsync(byApplication: false).Forget();
        }
        else
        {
            _openCompletion.TrySetResult();
        }
    }

    /// <summary>SSH_MSG_CHANNEL_OPEN_FAILURE for a channel we opened.</summary>
    internal void OnOpenFailed(ChannelOpenFailureReason reason, string description)
    {
        lock (_lock)
        {
            if (_state != State.Opening) throw new SshProtocolException($"channel {LocalChannelId}: open failure for a channel that is not opening");
            _state = State.OpenFailed;
            _released = true;
        }
        _openCompletion.TrySetException(new ChannelOpenFailedException(LocalChannelId, reason, description));
        _closeCompletion.TrySetResult();
    }

    /// <summary>
    /// SSH_MSG_CHANNEL_DATA (<paramref name="extended"/> false) or stderr extended data. Returns true when a reader
    /// waits for it: the caller then calls <see cref="WakeReader"/> later (the connection's receive loop does so once
    /// the transport has no further packet ready, so a burst of packets becomes one wake and one read).
    /// </summary>
    internal bool OnData(ReadOnlySpan<byte> data, bool extended)
    {
        lock (_lock)
        {
            ThrowIfNotOpenForReceive("data");
            _receiveWindow.OnDataReceived(data.Length, LocalChannelId);
            if (_disposed || _closeSent)
            {
                return false; // we closed: discard (the peer may not have seen our CLOSE yet)
            }
            (extended ? _extendedData : _data).Append(data);
            return (extended ? _extendedDataSignal : _dataSignal).IsArmed;
        }
    }

    /// <summary>
    /// Wakes the data (or stderr) reader if it still waits. A reader armed for it (<see cref="ReadAsync(Memory{byte}, bool, bool, CancellationToken)"/>
    /// with inlineContinuation, used only by the forwarding pump) resumes right here on the receive loop: this saves
    /// a thread-pool hop (a futex wake and context switch) per wake.
    /// </summary>
    internal void WakeReader(bool extended)
    {
        AsyncSignal signal = extended ? _extendedDataSignal : _dataSignal;
        bool wake;
        lock (_lock) wake = signal.TryClaim();
        if (wake) signal.Complete(allowInline: true);
    }

    /// <summary>Claims both readers' waits; call under the lock, then <see cref="WakeReaders"/> outside it.</summary>
    private (bool Data, bool Extended) ClaimReaders() => (_dataSignal.TryClaim(), _extendedDataSignal.TryClaim());

    /// <summary>Wakes the readers claimed by <see cref="ClaimReaders"/>, on the thread pool (EOF, close and failures are rare; not worth inlining).</summary>
    private void WakeReaders((bool Data, bool Extended) claimed)
    {
        if (claimed.Data) _dataSignal.Complete(allowInline: false);
        if (claimed.Extended) _extendedDataSignal.Complete(allowInline: false);
    }

    /// <summary>Extended data of a type we don't keep: account for it and give the window back at once.</summary>
    internal uint OnDiscardedData(int length)
    {
        lock (_lock)
        {
            ThrowIfNotOpenForReceive("extended data");
            _receiveWindow.OnDataReceived(length, LocalChannelId);
            return _disposed || _closeSent ? 0 : _receiveWindow.OnConsumed(length);
        }
    }

    /// <summary>SSH_MSG_CHANNEL_WINDOW_ADJUST.</summary>
    internal void OnWindowAdjust(uint bytesToAdd)
    {
        lock (_lock)
        {
            if (_state != State.Open) throw new SshProtocolException($"channel {LocalChannelId}: window adjust before the channel was open");
        }
        _sendWindow.Add(bytesToAdd);
    }

    /// <summary>SSH_MSG_CHANNEL_EOF.</summary>
    internal void OnEof()
    {
        (bool, bool) claimed;
        lock (_lock)
        {
            ThrowIfNotOpenForReceive("EOF");
            _eofReceived = true;
            claimed = ClaimReaders();
        }
        WakeReaders(claimed);
    }

    /// <summary>SSH_MSG_CHANNEL_CLOSE: answer with CLOSE if we haven't sent one, then release the id.</summary>
    internal void OnClose()
    {
        bool mustReply;
        (bool, bool) claimed;
        lock (_lock)
        {
            if (_state != State.Open || _closeReceived) throw new SshProtocolException($"channel {LocalChannelId}: unexpected CLOSE");
            _closeReceived = true;
            mustReply = !_closeSent;
            claimed = ClaimReaders();
        }
        WakeReaders(claimed);
        var closed = new IOException($"channel {LocalChannelId}: closed by the peer");
        _sendWindow.Fail(closed);
        FailPendingRequests(closed);
        if (mustReply)
        {
            CloseAsync(byApplication: false).Forget();
        }
        else
        {
            Release();
        }
    }

    /// <summary>Built-in channel requests; returns true when handled here (the reply, if any, is <paramref name="success"/>).</summary>
    internal bool TryHandleBuiltInRequest(string requestType, ReadOnlySpan<byte> data, out bool success)
    {
        success = false;
        switch (requestType)
        {
            case ChannelRequestNames.ExitStatus:
                ExitStatus = ExitStatusRequestData.Parse(data).ExitStatus;
                success = true;
                return true;
            case ChannelRequestNames.ExitSignal:
                ExitSignal = ExitSignalRequestData.Parse(data).SignalName;
                success = true;
                return true;
            case ChannelRequestNames.EndOfWrite:
                EndOfWriteReceived = true;
                success = true;
                return true;
            case ChannelRequestNames.KeepAlive:
                // OpenSSH's ClientAlive: any reply counts; FAILURE is the conventional answer.
                return true;
            default:
                return RequestHandler is null;
        }
    }

    internal void CheckOpenForRequest()
    {
        lock (_lock) ThrowIfNotOpenForReceive("request");
    }

    /// <summary>Queues a request for <see cref="RequestHandler"/> (or a precomputed reply behind earlier ones), keeping replies in order.</summary>
    internal void EnqueueIncomingRequest(IncomingChannelRequest request, bool? precomputed, int maxPending)
    {
        lock (_lock)
        {
            if (_pendingIncomingRequests >= maxPending)
            {
                throw new SshProtocolException($"channel {LocalChannelId}: more than {maxPending} channel requests waiting for a reply");
            }
            _pendingIncomingRequests++;
            _incomingRequestChain = ProcessRequestAfterAsync(_incomingRequestChain, request, precomputed);
        }
    }

    /// <summary>True when no request waits for a handler, so a reply may be sent from the receive loop in order.</summary>
    internal bool HasNoPendingIncomingRequests
    {
        get { lock (_lock) return _pendingIncomingRequests == 0; }
    }

    private async Task ProcessRequestAfterAsync(Task previous, IncomingChannelRequest request, bool? precomputed)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
        bool success = false;
        try
        {
            if (precomputed.HasValue)
            {
                success = precomputed.Value;
            }
            else if (RequestHandler is { } handler)
            {
                success = await handler(request, _connection.Closed).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            success = false;
        }
        finally
        {
            lock (_lock) _pendingIncomingRequests--;
        }
        if (request.WantReply)
        {
            await SendRequestReplyAsync(success).ConfigureAwait(false);
        }
        request.OnReplied();
    }

    /// <summary>Sends CHANNEL_SUCCESS/FAILURE, unless we already closed the channel.</summary>
    internal async Task SendRequestReplyAsync(bool success)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closeSent) return;
            var writer = new SshWriter(8);
            if (success) new ChannelSuccessMessage { RecipientChannel = RemoteChannelId }.Write(ref writer);
            else new ChannelFailureMessage { RecipientChannel = RemoteChannelId }.Write(ref writer);
            await _connection.SendAsync(writer.ToPacket(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (SshConnectionException)
        {
            // The connection is gone; nothing to reply to.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>SSH_MSG_CHANNEL_SUCCESS / FAILURE for a request we sent.</summary>
    internal void OnRequestReply(bool success)
    {
        TaskCompletionSource<bool> pending;
        lock (_lock)
        {
            ThrowIfNotOpenForReceive("request reply");
            if (!_pendingRequestReplies.TryDequeue(out pending!))
            {
                throw new SshProtocolException($"channel {LocalChannelId}: request reply with no request pending");
            }
        }
        pending.TrySetResult(success);
    }

    /// <summary>The connection ended: fail the opener, readers, writers and pending requests.</summary>
    internal void OnConnectionFailed(Exception reason)
    {
        var failure = new IOException($"channel {LocalChannelId}: {reason.Message}", reason);
        (bool, bool) claimed;
        lock (_lock)
        {
            _failure ??= failure;
            _released = true;
            claimed = ClaimReaders();
        }
        WakeReaders(claimed);
        _openCompletion.TrySetException(reason);
        _sendWindow.Fail(failure);
        FailPendingRequests(failure);
        _closeCompletion.TrySetResult();
    }

    private void ThrowIfNotOpenForReceive(string what)
    {
        if (_state != State.Open) throw new SshProtocolException($"channel {LocalChannelId}: {what} before the channel was open");
        if (_closeReceived) throw new SshProtocolException($"channel {LocalChannelId}: {what} after CLOSE");
        if (_eofReceived && what is "data" or "extended data" or "EOF") throw new SshProtocolException($"channel {LocalChannelId}: {what} after EOF");
    }

    private void FailPendingRequests(Exception reason)
    {
        TaskCompletionSource<bool>[] pending;
        lock (_lock)
        {
            pending = _pendingRequestReplies.ToArray();
            _pendingRequestReplies.Clear();
        }
        foreach (TaskCompletionSource<bool> tcs in pending) tcs.TrySetException(reason);
    }

    private void Release()
    {
        lock (_lock)
        {
            if (_released) return;
            _released = true;
        }
        _connection.ReleaseChannel(this);
        _closeCompletion.TrySetResult();
    }

    /// <summary>Marks an open we are waiting for as abandoned (the opener cancelled).</summary>
    internal void AbandonOpen()
    {
        bool closeNow;
        lock (_lock)
        {
            _openAbandoned = true;
            closeNow = _state == State.Open;
        }
        if (closeNow) CloseAsync().Forget();
    }

    // ---------------------------------------------------------------- application side

    /// <summary>Reads data (or stderr when <paramref name="extended"/>); returns 0 after EOF or CLOSE from the peer.</summary>
    /// <exception cref="ObjectDisposedException">The channel was closed locally.</exception>
    /// <exception cref="IOException">The connection ended before EOF.</exception>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, bool extended, CancellationToken cancellationToken)
        => ReadAsync(buffer, extended, inlineContinuation: false, cancellationToken);

    /// <summary>
    /// As <see cref="ReadAsync(Memory{byte}, bool, CancellationToken)"/>. With <paramref name="inlineContinuation"/>,
    /// a read that has to wait is completed on the receive loop's thread when data arrives, and the caller's
    /// continuation runs there synchronously up to its next incomplete await. Only for callers whose continuation
    /// never blocks the thread (no synchronous I/O, no waiting on locks or tasks): the forwarding pump, which only
    /// awaits asynchronous socket sends (a slow local peer makes <c>SendAsync</c> pend, it does not block).
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<int> ReadAsync(Memory<byte> buffer, bool extended, bool inlineContinuation, CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty) return 0;
        AsyncSignal signal = extended ? _extendedDataSignal : _dataSignal;
        while (true)
        {
            short token;
            int read = 0;
            uint bytesToAdd = 0;
            lock (_lock)
            {
                ChannelBuffer source = extended ? _extendedData : _data;
                if (source.Length > 0)
                {
                    read = source.Read(buffer.Span);
                    if (!_closeReceived && !_closeSent) bytesToAdd = _receiveWindow.OnConsumed(read);
                }
                else
                {
                    ObjectDisposedException.ThrowIf(_disposed, typeof(ChannelStream));
                    if (_eofReceived || _closeReceived) return 0;
                    if (_failure is not null) throw _failure;
                    cancellationToken.ThrowIfCancellationRequested();
                    token = signal.Arm(inlineContinuation);
                    goto Wait;
                }
            }
            if (bytesToAdd > 0) await SendWindowAdjustAsync(bytesToAdd).ConfigureAwait(false);
            return read;

        Wait:
            await WaitForSignalAsync(signal, token, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until data (or stderr when <paramref name="extended"/>) is buffered and returns how many bytes are
    /// (capped at <see cref="int.MaxValue"/>), or 0 after EOF or CLOSE from the peer; consumes nothing. A following
    /// <see cref="ReadAsync(Memory{byte}, bool, CancellationToken)"/> then returns without waiting.
    /// <paramref name="inlineContinuation"/> as for <see cref="ReadAsync(Memory{byte}, bool, bool, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The channel was closed locally.</exception>
    /// <exception cref="IOException">The connection ended before EOF.</exception>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<int> WaitToReadAsync(bool extended, bool inlineContinuation, CancellationToken cancellationToken)
    {
        AsyncSignal signal = extended ? _extendedDataSignal : _dataSignal;
        while (true)
        {
            short token;
            lock (_lock)
            {
                ChannelBuffer source = extended ? _extendedData : _data;
                if (source.Length > 0) return (int)Math.Min(source.Length, int.MaxValue);
                ObjectDisposedException.ThrowIf(_disposed, typeof(ChannelStream));
                if (_eofReceived || _closeReceived) return 0;
                if (_failure is not null) throw _failure;
                cancellationToken.ThrowIfCancellationRequested();
                token = signal.Arm(inlineContinuation);
            }
            await WaitForSignalAsync(signal, token, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WaitForSignalAsync(AsyncSignal signal, short token, CancellationToken cancellationToken)
    {
        using (cancellationToken.UnsafeRegister(static (state, ct) =>
        {
            var (channel, s) = ((SshChannel, AsyncSignal))state!;
            bool claimed;
            lock (channel._lock) claimed = s.TryClaim();
            if (claimed) s.CompleteCanceled(ct);
        }, (this, signal)))
        {
            await signal.WaitAsync(token).ConfigureAwait(false);
        }
    }

    private async Task SendWindowAdjustAsync(uint bytesToAdd)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closeSent || _closeReceived) return;
            var writer = new SshWriter(ChannelWindowAdjustMessage.Length);
            new ChannelWindowAdjustMessage { RecipientChannel = RemoteChannelId, BytesToAdd = bytesToAdd }.Write(ref writer);
            await _connection.SendAsync(writer.ToPacket(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (SshConnectionException)
        {
            // Connection gone: the reader learns it from the channel failure.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Most data bytes one write takes window credit for and queues as one send burst.</summary>
    private const int MaxSendBurst = 256 * 1024;

    /// <summary>
    /// Sends <paramref name="data"/> as CHANNEL_DATA (or stderr EXTENDED_DATA), chunked to the peer's maximum packet size,
    /// waiting for window credit as needed. One writer at a time. The chunks covered by the credit at hand (up to
    /// 256 KiB) are queued as one send burst, which the transport writes in one socket write.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The channel was closed locally.</exception>
    /// <exception cref="InvalidOperationException">Writes were completed (EOF sent).</exception>
    /// <exception cref="IOException">The peer closed the channel or the connection ended.</exception>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, bool extended, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            ThrowIfCannotWrite();
            int granted = await _sendWindow.RequestAsync(Math.Min(data.Length, MaxSendBurst), cancellationToken).ConfigureAwait(false);
            int sent = 0;
            try
            {
                await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    ThrowIfCannotWrite();
                    while (sent < granted)
                    {
                        ValueTask pending = default;
                        int pendingLength = 0;
                        using (TransportConnection.BeginSendBurst())
                        {
                            while (sent < granted)
                            {
                                int length = Math.Min(granted - sent, SendChunkSize);
                                ReadOnlySpan<byte> chunk = data.Span.Slice(sent, length);
                                Packet packet = extended
                                    ? ChannelDataHeader.CreateExtendedDataPacket(RemoteChannelId, ChannelDataHeader.ExtendedDataStderr, chunk)
                                    : ChannelDataHeader.CreateDataPacket(RemoteChannelId, chunk);
                                ValueTask send = _connection.SendAsync(packet, cancellationToken);
                                if (!send.IsCompleted)
                                {
                                    // The send queue is full: end the burst (what is queued goes out) and wait outside it.
                                    pending = send;
                                    pendingLength = length;
                                    break;
                                }
                                send.GetAwaiter().GetResult();
                                sent += length;
                            }
                        }
                        if (pendingLength > 0)
                        {
                            await pending.ConfigureAwait(false);
                            sent += pendingLength;
                        }
                    }
                }
                finally
                {
                    _sendLock.Release();
                }
            }
            catch (SshConnectionException ex)
            {
                throw new IOException($"channel {LocalChannelId}: {ex.Message}", ex);
            }
            finally
            {
                if (sent < granted) _sendWindow.Return(granted - sent);
            }
            data = data[granted..];
        }
    }

    private void ThrowIfCannotWrite()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(ChannelStream));
            if (_failure is not null) throw _failure;
            if (_closeReceived) throw new IOException($"channel {LocalChannelId}: closed by the peer");
            if (_eofSent) throw new InvalidOperationException($"channel {LocalChannelId}: writes were completed (EOF sent)");
            if (_closeSent) throw new IOException($"channel {LocalChannelId}: closed");
        }
    }

    /// <summary>Sends SSH_MSG_CHANNEL_EOF once (half-close, RFC 4254 §5.3); later calls do nothing.</summary>
    public async Task CompleteWritesAsync(CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                if (_eofSent || _closeSent || _closeReceived || _failure is not null || _state != State.Open) return;
                _eofSent = true;
            }
            var writer = new SshWriter(8);
            new ChannelEofMessage { RecipientChannel = RemoteChannelId }.Write(ref writer);
            await _connection.SendAsync(writer.ToPacket(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (SshConnectionException)
        {
            // Connection gone; nothing to half-close.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Closes the channel: sends SSH_MSG_CHANNEL_CLOSE once, drops unread data, fails writers; the id is released
    /// when the peer's CLOSE has also arrived (RFC 4254 §5.3). Idempotent; never throws for a dead connection.
    /// </summary>
    public Task CloseAsync() => CloseAsync(byApplication: true);

    /// <summary>
    /// Sends CLOSE once. <paramref name="byApplication"/> false is the answer to the peer's CLOSE (or an abandoned
    /// open): buffered data stays readable and the stream is not marked disposed.
    /// </summary>
    private async Task CloseAsync(bool byApplication)
    {
        if (byApplication)
        {
            (bool, bool) claimed;
            lock (_lock)
            {
                _disposed = true;
                _data.Clear();
                _extendedData.Clear();
                claimed = ClaimReaders();
            }
            WakeReaders(claimed);
            _sendWindow.Fail(new ObjectDisposedException(nameof(ChannelStream), $"channel {LocalChannelId} is closed"));
        }
        await _sendLock.WaitAsync().ConfigureAwait(false);
        bool release;
        try
        {
            bool send;
            lock (_lock)
            {
                send = !_closeSent && _state == State.Open && _failure is null;
                if (_state == State.Open) _closeSent = true;
                release = _closeSent && _closeReceived;
            }
            if (send)
            {
                var writer = new SshWriter(8);
                new ChannelCloseMessage { RecipientChannel = RemoteChannelId }.Write(ref writer);
                await _connection.SendAsync(writer.ToPacket(), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (SshConnectionException)
        {
            release = false; // the connection teardown releases everything
        }
        finally
        {
            _sendLock.Release();
        }
        if (release) Release();
    }

    /// <summary>
    /// Sends a channel request (RFC 4254 §5.4). With <paramref name="wantReply"/>, waits for the reply (matched in
    /// order) and returns true for SUCCESS; without, returns true once sent.
    /// </summary>
    /// <exception cref="IOException">The channel or connection closed.</exception>
    public async Task<bool> SendRequestAsync(string requestType, ReadOnlyMemory<byte> requestSpecificData, bool wantReply, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<bool>? reply = wantReply ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, typeof(ChannelStream));
                if (_failure is not null) throw _failure;
                if (_closeReceived || _closeSent) throw new IOException($"channel {LocalChannelId}: closed");
                if (reply is not null) _pendingRequestReplies.Enqueue(reply);
            }
            var writer = new SshWriter(32 + requestType.Length + requestSpecificData.Length);
            new ChannelRequestMessage
            {
                RecipientChannel = RemoteChannelId,
                RequestType = requestType,
                WantReply = wantReply,
                RequestSpecificData = requestSpecificData.Span,
            }.Write(ref writer);
            await _connection.SendAsync(writer.ToPacket(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (SshConnectionException ex)
        {
            throw new IOException($"channel {LocalChannelId}: {ex.Message}", ex);
        }
        finally
        {
            _sendLock.Release();
        }
        return reply is null || await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends "exec" with want-reply (RFC 4254 §6.5).</summary>
    /// <exception cref="SshRequestRejectedException">The server answered CHANNEL_FAILURE.</exception>
    public async Task ExecAsync(string command, CancellationToken cancellationToken = default)
    {
        var writer = new SshWriter(8 + command.Length * 3);
        new ExecRequestData { Command = command }.Write(ref writer);
        byte[] data = writer.ToArray();
        if (!await SendRequestAsync(ChannelRequestNames.Exec, data, wantReply: true, cancellationToken).ConfigureAwait(false))
        {
            throw new SshRequestRejectedException($"exec request failed on channel {LocalChannelId}");
        }
    }

    /// <summary>Sends "exit-status" (want-reply false, RFC 4254 §6.10); server role.</summary>
    public Task SendExitStatusAsync(uint exitStatus, CancellationToken cancellationToken = default)
    {
        var writer = new SshWriter(8);
        new ExitStatusRequestData { ExitStatus = exitStatus }.Write(ref writer);
        return SendRequestAsync(ChannelRequestNames.ExitStatus, writer.ToArray(), wantReply: false, cancellationToken);
    }
}
