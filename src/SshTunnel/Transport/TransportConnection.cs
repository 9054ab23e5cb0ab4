using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Threading.Channels;
using SshTunnel.Errors;
using SshTunnel.Transport.Compression;
using SshTunnel.Transport.PacketProtection;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Transport;

namespace SshTunnel.Transport;

/// <summary>
/// The SSH transport layer (RFC 4253) over a <see cref="Stream"/>, for either role: version exchange, binary packets,
/// key exchange and rekeying (started by either side, at any time), strict kex (kex-strict-*-v00@openssh.com),
/// RFC 8308 EXT_INFO and zlib@openssh.com delayed compression.
/// Sending: many tasks call <see cref="SendAsync"/>; one send loop frames, encrypts and writes several packets per
/// write. Receiving: one reader calls <see cref="ReceiveAsync"/>, which also processes transport messages inline.
/// </summary>
internal sealed partial class TransportConnection : IPacketTransport, IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly TransportSettings _settings;
    private readonly bool _isServer;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<Packet> _sendQueue;
    private readonly System.Collections.Concurrent.ConcurrentQueue<Packet> _controlQueue = new();
    private int _controlCount;
    private volatile bool _startCompression; // client: USERAUTH_SUCCESS received; compress from the next packet written
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closedCts = new();
    private readonly byte[] _receiveTag = new byte[64];
    private readonly byte[] _lengthBytes = new byte[4];
    private Task _sendLoop = Task.CompletedTask;
    private Exception? _abortReason;
    private int _disposed;

    // Per-direction packet state. _encryptor/_sendSequence/_compressor are touched only under _writeLock;
    // _decryptor/_receiveSequence/_decompressor only by the single reader.
    private IPacketCipher _encryptor = new NoneCipher();
    private IPacketCipher _decryptor = new NoneCipher();
    private uint _sendSequence;
    private uint _receiveSequence;
    private ZlibCompressor? _compressor;
    private ZlibDecompressor? _decompressor;
    private bool _compressionWanted; // zlib@openssh.com negotiated for outgoing, waiting for USERAUTH_SUCCESS
    private bool _decompressionWanted;
    private bool _authenticated;

    /// <summary>Size of the receive buffer segments, in bytes.</summary>
    private const int ReceiveSegmentSize = 256 * 1024;

    private TransportConnection(Stream stream, TransportSettings settings)
    {
        _stream = stream;
        _settings = settings;
        _isServer = settings.IsServer;
        // Bulk receive: reads of up to 256 KiB (about 8 data packets per recv, as sshd reads), so a burst is decrypted
        // and handed on in one pass. Zero-byte reads: when nothing is buffered the reader waits for data before renting
        // a segment, so an idle connection holds no receive buffer.
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: ReceiveSegmentSize, minimumReadSize: 64 * 1024, leaveOpen: true, useZeroByteReads: true));
        // Segments large enough for several 32 KiB data packets, so a batch goes out in few writes.
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 256 * 1024, leaveOpen: true));
        _sendQueue = Channel.CreateBounded<Packet>(new BoundedChannelOptions(settings.SendQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
            // An idle send loop resumes on the sender's thread, inside TryWrite, instead of waiting for a thread-pool
            // worker to wake (with the CLI's inline socket completions the sender is the epoll thread, which is not a
            // pool thread, so every wake-up was a futex wake of a sleeping worker: +30-50 us per round trip).
            // Safe because the loop never blocks the thread: it awaits the write lock, the kex gate and the socket
            // flush asynchronously (a slow peer makes the flush pend and the loop resumes later on its own), and no
            // caller of SendAsync, SendControl or Abort holds a monitor lock.
            AllowSynchronousContinuations = true,
        });
        RemoteVersion = "";
    }

    /// <summary>
    /// Runs the version exchange and the first key exchange on <paramref name="stream"/> and returns the connection,
    /// ready for the user authentication service. The caller keeps ownership of nothing: the stream is disposed with the connection.
    /// </summary>
    /// <exception cref="SshProtocolException">The peer broke the protocol or no algorithms matched.</exception>
    /// <exception cref="SshHostKeyException">The client refused the server's host key.</exception>
    /// <exception cref="SshConnectionException">The connection closed during the handshake.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<TransportConnection> EstablishAsync(Stream stream, TransportSettings settings, CancellationToken cancellationToken = default)
    {
        var connection = new TransportConnection(stream, settings);
        try
        {
            using var registration = cancellationToken.Register(static s => ((TransportConnection)s!).Abort(new OperationCanceledException()), connection);
            await VersionExchange.WriteAsync(stream, settings.LocalVersion, cancellationToken).ConfigureAwait(false);
            connection.RemoteVersion = await VersionExchange.ReadAsync(stream, allowPreamble: !settings.IsServer, cancellationToken).ConfigureAwait(false);
            using (ExecutionContext.SuppressFlow())
            {
                connection._sendLoop = Task.Run(connection.SendLoopAsync, CancellationToken.None);
            }
            await connection.RunInitialKeyExchangeAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e)
        {
            connection.Abort(e, e is SshProtocolException p ? p.Reason : DisconnectReason.ByApplication);
            await connection.DisposeAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    /// <inheritdoc/>
    public ReadOnlyMemory<byte> SessionId => _sessionId;

    /// <inheritdoc/>
    public IReadOnlyList<string> ServerSignatureAlgorithms { get; private set; } = [];

    /// <inheritdoc/>
    public string RemoteVersion { get; private set; }

    /// <inheritdoc/>
    public CancellationToken Closed => _closedCts.Token;

    /// <summary>The algorithms of the current keys.</summary>
    public NegotiatedAlgorithms? Algorithms { get; private set; }

    /// <summary>True when strict key exchange (the Terrapin countermeasure) is in force.</summary>
    public bool IsStrictKex => _strictKex;

    /// <summary>Number of completed key exchanges (1 after the handshake).</summary>
    public int KeyExchangeCount { get; private set; }

    /// <summary>The server's host key (client role), as verified during the first key exchange.</summary>
    public Keys.SshPublicKey? ServerHostKey { get; private set; }

    /// <inheritdoc/>
    public async ValueTask SendAsync(Packet packet, CancellationToken cancellationToken = default)
    {
        try
        {
            ThrowIfClosed();
            bool authSuccess = _isServer && packet.MessageNumber == MessageNumber.UserAuthSuccess && !_authenticated;
            if (packet.PayloadLength > SshProtocolLimits.MaxOutgoingPayload + 1024)
            {
                throw new ArgumentException($"payload of {packet.PayloadLength} bytes exceeds the packet limit");
            }
            if (!_sendQueue.Writer.TryWrite(packet))
            {
                await _sendQueue.Writer.WriteAsync(packet, cancellationToken).ConfigureAwait(false);
            }
            packet = default; // now owned by the queue
            if (authSuccess) OnAuthenticated();
        }
        catch (ChannelClosedException)
        {
            throw ClosedException();
        }
        finally
        {
            packet.Dispose();
        }
    }

    /// <summary>Most control packets pending before the peer is considered not to be reading.</summary>
    private const int MaxPendingControlPackets = 4096;

    /// <inheritdoc/>
    public void SendControl(Packet packet)
    {
        if (_abortReason is not null)
        {
            packet.Dispose();
            throw ClosedException();
        }
        if (Interlocked.Increment(ref _controlCount) > MaxPendingControlPackets)
        {
            packet.Dispose();
            Abort(new SshProtocolException("peer is not reading: too many pending control replies"));
            throw ClosedException();
        }
        _controlQueue.Enqueue(packet);
        _sendQueue.Writer.TryWrite(default); // wakes an idle send loop; a busy one drains control packets first anyway
    }

    /// <inheritdoc/>
    public async ValueTask<Packet> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Packet packet = await ReceiveAnyAsync(cancellationToken).ConfigureAwait(false);
            if (!packet.IsEmpty) return packet;
        }
    }

    /// <summary>
    /// Reads packets, processing transport-layer messages, until one for the upper layers arrives (returned) or,
    /// when <paramref name="untilKexDone"/>, the first key exchange completes (an empty packet is returned).
    /// </summary>
    private async ValueTask<Packet> ReceiveAnyAsync(CancellationToken cancellationToken, bool untilKexDone = false)
    {
        ThrowIfClosed();
        try
        {
            while (true)
            {
                if (untilKexDone && KeyExchangeCount > 0 && _kex is null) return default;
                Packet packet = await ReadPacketAsync(cancellationToken).ConfigureAwait(false);
                bool handled;
                try
                {
                    handled = await HandleTransportMessageAsync(packet, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    packet.Dispose();
                    throw;
                }
                if (handled)
                {
                    packet.Dispose();
                    continue;
                }
                await RekeyIfNeededAsync(cancellationToken).ConfigureAwait(false);
                // During a re-exchange, connection-layer messages sent after the peer's KEXINIT are still accepted
                // (still under the old keys), as OpenSSH does: AsyncSSH sends the data packet that triggered its
                // rekey right after its KEXINIT. The first exchange stays strict.
                if (untilKexDone || (_kex is { RemoteKexInit: not null } && KeyExchangeCount == 0) || (_strictKex && KeyExchangeCount == 0))
                {
                    var number = packet.MessageNumber;
                    packet.Dispose();
                    throw new SshProtocolException($"unexpected message {(int)number} during key exchange");
                }
                if (packet.MessageNumber == MessageNumber.UserAuthSuccess && !_isServer && !_authenticated)
                {
                    OnAuthenticated();
                }
                return packet;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (_abortReason is not null && e is not SshProtocolException) throw ClosedException();
            Abort(e, e is SshProtocolException p ? p.Reason : DisconnectReason.ByApplication);
            throw;
        }
    }

    /// <summary>Handles messages 1-49. Returns false for messages the upper layers get.</summary>
    private async ValueTask<bool> HandleTransportMessageAsync(Packet packet, CancellationToken cancellationToken)
    {
        MessageNumber number = packet.MessageNumber;
        bool firstAfterNewKeys = _expectExtInfo;
        _expectExtInfo = false;
        switch (number)
        {
            case MessageNumber.Disconnect:
                var disconnect = DisconnectMessage.Read(packet.Payload);
                var reasonText = $"Received disconnect from {_settings.PeerDescription}:{(uint)disconnect.ReasonCode}: {Sanitize(disconnect.Description)}";
                var exception = new SshConnectionException(reasonText, disconnect.ReasonCode);
                Interlocked.CompareExchange(ref _abortReason, exception, null);
                CloseWithoutDisconnect();
                throw exception;
            case MessageNumber.Ignore or MessageNumber.Debug or MessageNumber.Unimplemented:
                if (_strictKex && KeyExchangeCount == 0) throw new SshProtocolException($"strict KEX violation: unexpected message {(int)number} during initial key exchange");
                return true;
            case MessageNumber.KexInit:
                await OnKexInitAsync(packet.Payload.ToArray(), cancellationToken).ConfigureAwait(false);
                return true;
            case MessageNumber.NewKeys:
                OnNewKeysReceived(packet.PayloadMemory);
                return true;
            case >= MessageNumber.KexDhInit and <= (MessageNumber)49:
                await OnKexMessageAsync(packet, cancellationToken).ConfigureAwait(false);
                return true;
            case MessageNumber.ExtInfo:
                OnExtInfo(packet.Payload, firstAfterNewKeys);
                return true;
            case MessageNumber.ServiceRequest or MessageNumber.ServiceAccept:
                return false;
            case < MessageNumber.UserAuthRequest:
                // Reserved transport numbers we don't implement (RFC 4253 §11.4).
                if (_strictKex && KeyExchangeCount == 0) throw new SshProtocolException($"strict KEX violation: unexpected message {(int)number}");
                SendUnimplemented();
                return true;
            default:
                if (_isServer && !_authenticated && number > MessageNumber.UserAuthInfoResponse && number <= MessageNumber.ChannelFailure)
                {
                    // Connection-layer messages before authentication succeeded (paramiko CVE-2018-7750).
                    throw new SshProtocolException($"message {(int)number} before authentication");
                }
                return false;
        }
    }

    private void SendUnimplemented()
    {
        uint sequence = unchecked(_receiveSequence - 1);
        var writer = new SshWriter(8);
        writer.WriteMessageNumber(MessageNumber.Unimplemented);
        writer.WriteUInt32(sequence);
        SendControl(writer.ToPacket());
    }

    private static string Sanitize(string text) => PeerText.Sanitize(text);

    /// <summary>Reads, decrypts and decompresses one packet.</summary>
    private async ValueTask<Packet> ReadPacketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new SshConnectionException($"Connection to {_settings.PeerDescription} closed: {e.Message}", DisconnectReason.ConnectionLost, e);
            }
            catch (ObjectDisposedException)
            {
                throw ClosedException();
            }
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (TryParsePacket(ref buffer, out Packet packet))
            {
                _input.AdvanceTo(buffer.Start);
                try
                {
                    return FinishReceivedPacket(packet);
                }
                catch
                {
                    packet.Dispose();
                    throw;
                }
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                throw _abortReason is not null
                    ? ClosedException()
                    : new SshConnectionException(
                        buffer.Length == 0 ? $"Connection closed by {_settings.PeerDescription}" : $"Connection to {_settings.PeerDescription} closed in the middle of a packet",
                        DisconnectReason.ConnectionLost);
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Takes one whole packet from <paramref name="buffer"/> if it is all there, checking the length before allocating.</summary>
    private bool TryParsePacket(ref ReadOnlySequence<byte> buffer, out Packet packet)
    {
        packet = default;
        if (buffer.Length < 4) return false;
        buffer.Slice(0, 4).CopyTo(_lengthBytes);
        uint packetLength = _decryptor.DecryptLength(_receiveSequence, _lengthBytes);
        int alignment = _decryptor.PaddingAlignment;
        long aligned = packetLength + (_decryptor.PaddingCoversLength ? 4 : 0);
        if (packetLength < 5 + 3 || packetLength > SshProtocolLimits.MaxPacketLength || aligned % alignment != 0)
        {
            throw new SshProtocolException($"Bad packet length {packetLength}.");
        }
        int tagLength = _decryptor.TagLength;
        long total = 4 + packetLength + tagLength;
        if (buffer.Length < total) return false;

        packet = Packet.Rent((int)packetLength);
        byte[] array = packet.Buffer;
        buffer.Slice(0, 4 + packetLength).CopyTo(array);
        Span<byte> tag = _receiveTag.AsSpan(0, tagLength);
        buffer.Slice(4 + packetLength, tagLength).CopyTo(tag);
        buffer = buffer.Slice(total);

        if (!_decryptor.TryOpen(_receiveSequence, array.AsSpan(0, 4 + (int)packetLength), tag))
        {
            packet.Dispose();
            throw new SshProtocolException("Corrupted MAC on input.", DisconnectReason.MacError);
        }
        int paddingLength = array[4];
        int payloadLength = (int)packetLength - paddingLength - 1;
        if (paddingLength < 4 || payloadLength < 1)
        {
            packet.Dispose();
            throw new SshProtocolException($"Bad padding length {paddingLength} in packet of length {packetLength}.");
        }
        packet.SetPayloadLength(payloadLength);
        Interlocked.Add(ref _bytesSinceKex, total);
        return true;
    }

    private Packet FinishReceivedPacket(Packet packet)
    {
        uint sequence = _receiveSequence;
        _receiveSequence = unchecked(sequence + 1);
        if (_receiveSequence == 0 && KeyExchangeCount == 0 && _strictKex)
        {
            throw new SshProtocolException("sequence number wrapped during initial key exchange");
        }
        Interlocked.Increment(ref _packetsSinceKex);
        if (_decompressor is not null)
        {
            Packet inflated = _decompressor.Decompress(packet.Payload);
            packet.Dispose();
            packet = inflated;
            if (packet.PayloadLength == 0) throw new SshProtocolException("empty payload after decompression", DisconnectReason.CompressionError);
        }
        return packet;
    }

    /// <summary>Largest payload, in bytes, that an idle send loop writes on the sender's thread (see <see cref="SendLoopAsync"/>).</summary>
    private const int InlineSendMaxPayload = 8 * 1024;

    /// <summary>The one send loop: drains the queue into the output in batches, honouring the key exchange gate.</summary>
    private async Task SendLoopAsync()
    {
        ChannelReader<Packet> reader = _sendQueue.Reader;
        try
        {
            while (true)
            {
                ValueTask<bool> wait = reader.WaitToReadAsync();
                if (wait.IsCompleted)
                {
                    if (!wait.Result) break;
                }
                else
                {
                    if (!await wait.ConfigureAwait(false)) break;
                    // Woken from idle by a sender, on its thread (AllowSynchronousContinuations). A small packet
                    // (interactive traffic) is written right here: lowest latency. Bulk data moves to the thread pool
                    // as before, so the sender goes on reading while this loop batches several packets per write
                    // (writing each 32 KiB packet inline measured ~15% more CPU per GiB on uploads).
                    // Inside a send burst (see BeginSendBurst) the loop instead waits for the burst's end and then
                    // writes all of it here, on the sender's thread, in one flush: no hand-off at all.
                    if (reader.TryPeek(out Packet first) && first.PayloadLength >= InlineSendMaxPayload)
                    {
                        if (t_sendBurst is { Active: true, Waiting: null } burst)
                        {
                            burst.Waiting = this;
                            await _burstEnd.WaitAsync().ConfigureAwait(false);
                        }
                        else
                        {
                            await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
                        }
                    }
                }
                Task gate = _sendGate.Task;
                if (!gate.IsCompleted) await gate.ConfigureAwait(false);
                await _writeLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    if (_abortReason is not null) break;
                    if (_kexSending) continue; // a key exchange started between the gate and the lock
                    long batchBytes = 0;
                    int count = 0;
                    while (_controlQueue.TryDequeue(out Packet control))
                    {
                        Interlocked.Decrement(ref _controlCount);
                        try
                        {
                            batchBytes += WritePacketLocked(control.Payload);
                        }
                        finally
                        {
                            control.Dispose();
                        }
                    }
                    while (count < 128 && batchBytes < 512 * 1024 && reader.TryRead(out Packet packet))
                    {
                        if (packet.IsEmpty) continue; // a wake-up from SendControl
                        try
                        {
                            batchBytes += WritePacketLocked(packet.Payload);
                        }
                        finally
                        {
                            packet.Dispose();
                        }
                        count++;
                        if (NeedsRekey())
                        {
                            StartKeyExchangeLocked();
                            break;
                        }
                    }
                    await FlushLockedAsync().ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
        catch (Exception e)
        {
            Abort(e is IOException or ObjectDisposedException
                ? new SshConnectionException($"Connection to {_settings.PeerDescription} closed: {e.Message}", DisconnectReason.ConnectionLost, e)
                : e);
        }
        finally
        {
            while (reader.TryRead(out Packet packet)) packet.Dispose();
            while (_controlQueue.TryDequeue(out Packet control)) control.Dispose();
        }
    }

    [ThreadStatic]
    private static SendBurstState? t_sendBurst;

    private readonly InlineSignal _burstEnd = new();

    /// <summary>
    /// Starts a send burst on this thread: <see cref="SendAsync"/> calls the caller makes synchronously, one after the
    /// other, until the returned scope is disposed (e.g. the 32 KiB chunks of one channel write). An idle send loop
    /// woken by a bulk packet inside the burst waits for its end instead of moving to the thread pool, then writes
    /// the whole burst on this thread in one flush (one socket write, no thread hand-off), inside
    /// <see cref="SendBurst.Dispose"/>. Dispose on the same thread with no await in between. Nested bursts join the
    /// outer one. Harmless for other <see cref="IPacketTransport"/> implementations (nothing waits for it).
    /// </summary>
    internal static SendBurst BeginSendBurst()
    {
        SendBurstState state = t_sendBurst ??= new SendBurstState();
        if (state.Active) return default;
        state.Active = true;
        return new SendBurst(state);
    }

    /// <summary>The scope of a send burst (<see cref="BeginSendBurst"/>).</summary>
    internal readonly struct SendBurst : IDisposable
    {
        private readonly SendBurstState? _state;

        internal SendBurst(SendBurstState state) => _state = state;

        /// <summary>Ends the burst: a send loop waiting for it writes the queued packets now, on this thread.</summary>
        public void Dispose()
        {
            if (_state is null) return;
            _state.Active = false;
            TransportConnection? waiting = _state.Waiting;
            _state.Waiting = null;
            waiting?._burstEnd.Complete(); // runs the send loop synchronously up to its next pending await
        }
    }

    /// <summary>Per-thread burst state: whether a burst is open and which send loop waits for its end.</summary>
    internal sealed class SendBurstState
    {
        internal bool Active;
        internal TransportConnection? Waiting;
    }

    /// <summary>A reusable one-waiter signal whose continuation runs synchronously in <see cref="Complete"/>.</summary>
    private sealed class InlineSignal : System.Threading.Tasks.Sources.IValueTaskSource
    {
        private System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };

        public ValueTask WaitAsync()
        {
            _core.Reset();
            return new ValueTask(this, _core.Version);
        }

        public void Complete() => _core.SetResult(true);

        void System.Threading.Tasks.Sources.IValueTaskSource.GetResult(short token) => _core.GetResult(token);

        System.Threading.Tasks.Sources.ValueTaskSourceStatus System.Threading.Tasks.Sources.IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

        void System.Threading.Tasks.Sources.IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, System.Threading.Tasks.Sources.ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags);
    }

    /// <summary>Frames, compresses, encrypts and writes one payload into the output buffer. Caller holds the write lock. Returns bytes written.</summary>
    private int WritePacketLocked(ReadOnlySpan<byte> payload)
    {
        Packet compressed = default;
        try
        {
            if (_startCompression && _compressionWanted) _compressor ??= new ZlibCompressor();
            if (_compressor is not null)
            {
                compressed = _compressor.Compress(payload);
                payload = compressed.Payload;
            }
            IPacketCipher cipher = _encryptor;
            int alignment = cipher.PaddingAlignment;
            int unpadded = 1 + payload.Length + (cipher.PaddingCoversLength ? 4 : 0);
            int padding = alignment - (unpadded % alignment);
            if (padding < 4) padding += alignment;
            int packetLength = 1 + payload.Length + padding;
            int total = 4 + packetLength + cipher.TagLength;

            Span<byte> span = _output.GetSpan(total);
            BinaryPrimitives.WriteUInt32BigEndian(span, (uint)packetLength);
            span[4] = (byte)padding;
            payload.CopyTo(span[5..]);
            FillPaddingLocked(span.Slice(5 + payload.Length, padding));
            cipher.Seal(_sendSequence, span[..(4 + packetLength)], span.Slice(4 + packetLength, cipher.TagLength));
            _output.Advance(total);
            _sendSequence = unchecked(_sendSequence + 1);
            // Server: zlib@openssh.com starts with the packet after USERAUTH_SUCCESS (delayed compression).
            if (_isServer && payload.Length > 0 && compressed.IsEmpty && payload[0] == (byte)MessageNumber.UserAuthSuccess && _compressionWanted)
            {
                _startCompression = true;
            }
            Interlocked.Add(ref _bytesSinceKex, total);
            Interlocked.Increment(ref _packetsSinceKex);
            return total;
        }
        finally
        {
            compressed.Dispose();
        }
    }

    /// <summary>Random padding bytes drawn from the CSPRNG 4 KiB at a time (one RAND_bytes call per ~250 packets, not one per packet).</summary>
    private readonly byte[] _paddingRandom = new byte[4096];
    private int _paddingRandomUsed = 4096;

    /// <summary>Fills <paramref name="padding"/> (at most 255 bytes) with random bytes. Caller holds the write lock.</summary>
    private void FillPaddingLocked(Span<byte> padding)
    {
        if (_paddingRandom.Length - _paddingRandomUsed < padding.Length)
        {
            RandomNumberGenerator.Fill(_paddingRandom);
            _paddingRandomUsed = 0;
        }
        Span<byte> source = _paddingRandom.AsSpan(_paddingRandomUsed, padding.Length);
        source.CopyTo(padding);
        source.Clear(); // each random byte is used once
        _paddingRandomUsed += padding.Length;
    }

    private async ValueTask FlushLockedAsync()
    {
        FlushResult result = await _output.FlushAsync().ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted) throw ClosedException();
    }

    /// <summary>Writes one transport message (kex, NEWKEYS, EXT_INFO, DISCONNECT) immediately, bypassing the queue and the kex gate.</summary>
    private async ValueTask WriteTransportMessageAsync(Packet packet, CancellationToken cancellationToken, Action? afterWriteLocked = null)
    {
        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            packet.Dispose();
            throw;
        }
        try
        {
            using (packet)
            {
                WritePacketLocked(packet.Payload);
            }
            afterWriteLocked?.Invoke();
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// zlib@openssh.com is delayed until USERAUTH_SUCCESS: the server compresses from the packet after the one carrying
    /// it (switched in the send loop right after writing it), the client from the first packet written after receiving it.
    /// </summary>
    private void OnAuthenticated()
    {
        _authenticated = true;
        if (_decompressionWanted) _decompressor ??= new ZlibDecompressor();
        if (!_isServer) _startCompression = true; // the send loop switches before the next packet it writes

    }

    private void ThrowIfClosed()
    {
        if (_abortReason is not null) throw ClosedException();
    }

    private SshConnectionException ClosedException()
    {
        Exception? reason = _abortReason;
        return reason switch
        {
            SshConnectionException c => new SshConnectionException(c.Message, c.Reason, c),
            null => new SshConnectionException("connection closed", DisconnectReason.ConnectionLost),
            _ => new SshConnectionException(reason.Message, DisconnectReason.ConnectionLost, reason),
        };
    }

    /// <inheritdoc/>
    public void Abort(Exception reason, DisconnectReason disconnectReason = DisconnectReason.ByApplication)
    {
        if (Interlocked.CompareExchange(ref _abortReason, reason, null) is not null) return;
        _sendQueue.Writer.TryComplete();
        _sendGate.TrySetResult();
        _disconnectTask = SendDisconnectAndCloseAsync(disconnectReason, reason);
    }

    private Task _disconnectTask = Task.CompletedTask;

    private async Task SendDisconnectAndCloseAsync(DisconnectReason disconnectReason, Exception reason)
    {
        try
        {
            if (disconnectReason != DisconnectReason.None && reason is not SshConnectionException { Reason: DisconnectReason.ConnectionLost }
                && await _writeLock.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
            {
                try
                {
                    var writer = new SshWriter(64);
                    new DisconnectMessage(disconnectReason, reason is SshException ? reason.Message : "disconnected by application").Write(ref writer);
                    using Packet packet = writer.ToPacket();
                    WritePacketLocked(packet.Payload);
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    await _output.FlushAsync(timeout.Token).ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
        catch
        {
            // best effort
        }
        CloseWithoutDisconnect();
    }

    private void CloseWithoutDisconnect()
    {
        _sendQueue.Writer.TryComplete();
        _sendGate.TrySetResult();
        try
        {
            _stream.Dispose();
        }
        catch
        {
            // closing a broken stream
        }
        _input.CancelPendingRead();
        try
        {
            _closedCts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Closes the connection (DISCONNECT by application) and waits for the send loop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Abort(new SshConnectionException("connection closed by application", DisconnectReason.ByApplication), DisconnectReason.ByApplication);
        try
        {
            // Let DISCONNECT go out (bounded) before the stream is closed under it.
            await _disconnectTask.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        try
        {
            await _sendLoop.ConfigureAwait(false);
        }
        catch
        {
            // reported through the abort reason
        }
        CloseWithoutDisconnect();
        _kex?.Dispose();
        _encryptor.Dispose();
        _decryptor.Dispose();
        _compressor?.Dispose();
        _decompressor?.Dispose();
    }
}
