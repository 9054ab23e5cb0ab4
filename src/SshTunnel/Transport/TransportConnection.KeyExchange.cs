using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Transport.Compression;
using SshTunnel.Transport.KeyExchange;
using SshTunnel.Transport.PacketProtection;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Transport;

namespace SshTunnel.Transport;

internal sealed partial class TransportConnection
{
    // RFC 4419 group sizes, as OpenSSH asks for them (DH_GRP_MIN, DH_GRP_MAX).
    private const int GroupExchangeMinBits = 2048;
    private const int GroupExchangeMaxBits = 8192;

    /// <summary>The server-sig-algs value (RFC 8308 §3.1) the server announces: every signature algorithm but SHA-1 ssh-rsa.</summary>
    private static readonly byte[] ServerSigAlgsValue = Encoding.ASCII.GetBytes(string.Join(',', HostKeyAlgorithms.All.Where(a => a != AlgorithmNames.SshRsa)));

    private KeyExchangeState? _kex;
    private volatile bool _kexSending; // our KEXINIT is out and our NEWKEYS is not: only kex messages may be written
    private TaskCompletionSource _sendGate = CompletedGate();
    private byte[] _sessionId = [];
    private bool _strictKex;
    private bool _peerWantsExtInfo;
    private long _bytesSinceKex;
    private long _packetsSinceKex;
    private long _lastKexTicks = Environment.TickCount64;
    private bool _expectExtInfo; // client: the next packet may be the server's EXT_INFO

    private static TaskCompletionSource CompletedGate()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }

    /// <summary>State of one key exchange, from the first KEXINIT to the second NEWKEYS.</summary>
    private sealed class KeyExchangeState : IDisposable
    {
        public KexInitMessage? LocalMessage;
        public byte[]? LocalKexInit;
        public KexInitMessage? RemoteMessage;
        public byte[]? RemoteKexInit;
        public NegotiatedAlgorithms? Algorithms;
        public IKeyAgreement? Agreement;
        public bool IgnoreNextKexPacket;
        public bool AwaitingGroup;
        public BigInteger GroupP;
        public BigInteger GroupG;
        public uint GroupMin;
        public uint GroupPreferred;
        public uint GroupMax;
        public IPacketCipher? PendingDecryptor;
        public bool NewKeysSent;
        public bool NewKeysReceived;

        public void Dispose()
        {
            Agreement?.Dispose();
            Agreement = null;
            if (!NewKeysReceived) PendingDecryptor?.Dispose();
        }
    }

    private async Task RunInitialKeyExchangeAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            StartKeyExchangeLocked();
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
        Packet unexpected = await ReceiveAnyAsync(cancellationToken, untilKexDone: true).ConfigureAwait(false);
        unexpected.Dispose();
    }

    /// <summary>Sends our KEXINIT unless already sent for this exchange, and closes the gate for non-kex packets. Caller holds the write lock.</summary>
    private void StartKeyExchangeLocked()
    {
        _kex ??= new KeyExchangeState();
        if (_kex.LocalKexInit is not null) return;
        _kexSending = true;
        if (_sendGate.Task.IsCompleted) _sendGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        KexInitMessage message = BuildKexInit();
        var writer = new SshWriter(1024);
        message.Write(ref writer);
        Packet packet = writer.ToPacket();
        try
        {
            _kex.LocalMessage = message;
            _kex.LocalKexInit = packet.Payload.ToArray();
            WritePacketLocked(packet.Payload);
        }
        finally
        {
            packet.Dispose();
        }
    }

    private KexInitMessage BuildKexInit()
    {
        bool first = KeyExchangeCount == 0;
        var kex = new List<string>(_settings.EffectiveKexAlgorithms);
        if (first)
        {
            if (_isServer)
            {
                kex.Add(AlgorithmNames.KexStrictServer);
            }
            else
            {
                kex.Add(AlgorithmNames.ExtInfoClient);
                kex.Add(AlgorithmNames.KexStrictClient);
            }
        }
        string[] hostKeyAlgorithms;
        if (_isServer)
        {
            var offered = new List<string>();
            foreach (SshPrivateKey key in _settings.HostKeys)
            {
                foreach (string algorithm in key.PublicKey.SignatureAlgorithms)
                {
                    if ((_settings.HostKeyAlgorithms is null || _settings.HostKeyAlgorithms.Contains(algorithm)) && !offered.Contains(algorithm))
                    {
                        offered.Add(algorithm);
                    }
                }
            }
            if (offered.Count == 0) throw new SshProtocolException("no host key available for the configured host key algorithms", DisconnectReason.KeyExchangeFailed);
            hostKeyAlgorithms = [.. offered];
        }
        else
        {
            hostKeyAlgorithms = [.. _settings.HostKeyAlgorithms ?? HostKeyAlgorithms.All];
        }
        string[] ciphers = [.. _settings.EffectiveCiphers];
        string[] macs = [.. _settings.EffectiveMacs];
        string[] compressions = [.. _settings.Compressions];
        return new KexInitMessage
        {
            KexAlgorithms = [.. kex],
            ServerHostKeyAlgorithms = hostKeyAlgorithms,
            EncryptionAlgorithmsClientToServer = ciphers,
            EncryptionAlgorithmsServerToClient = ciphers,
            MacAlgorithmsClientToServer = macs,
            MacAlgorithmsServerToClient = macs,
            CompressionAlgorithmsClientToServer = compressions,
            CompressionAlgorithmsServerToClient = compressions,
        };
    }

    private bool NeedsRekey()
    {
        if (_kex is not null || KeyExchangeCount == 0 || _abortReason is not null) return false;
        long limit = _settings.RekeyBytes ?? (Algorithms is { } a && (a.CipherClientToServer == AlgorithmNames.ChaCha20Poly1305 || a.CipherServerToClient == AlgorithmNames.ChaCha20Poly1305)
            ? 1L << 30
            : 16L << 30);
        return Interlocked.Read(ref _bytesSinceKex) >= limit
            || Interlocked.Read(ref _packetsSinceKex) >= 1L << 31
            || Environment.TickCount64 - Interlocked.Read(ref _lastKexTicks) >= (long)_settings.RekeyInterval.TotalMilliseconds;
    }

    /// <summary>Starts a rekey from the receive side when a limit is reached.</summary>
    private async ValueTask RekeyIfNeededAsync(CancellationToken cancellationToken)
    {
        if (!NeedsRekey()) return;
        // Never wait for the send loop here (it may be flushing to a peer that waits for us); if it holds the lock,
        // it checks NeedsRekey() itself after every packet.
        if (!await _writeLock.WaitAsync(0, cancellationToken).ConfigureAwait(false)) return;
        try
        {
            if (NeedsRekey())
            {
                StartKeyExchangeLocked();
                await FlushLockedAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Starts a key exchange now (RFC 4253 §9), e.g. for tests; returns once our KEXINIT is written.</summary>
    public async Task RequestRekeyAsync(CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_kex is null)
            {
                StartKeyExchangeLocked();
                await FlushLockedAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask OnKexInitAsync(byte[] payload, CancellationToken cancellationToken)
    {
        if (_kex?.RemoteKexInit is not null) throw new SshProtocolException("KEXINIT received during key exchange");
        KexInitMessage remote = KexInitMessage.Read(payload);
        bool firstPacket = _receiveSequence == 1 && KeyExchangeCount == 0;

        if (_kex?.LocalKexInit is null)
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                StartKeyExchangeLocked();
                await FlushLockedAsync().ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        KeyExchangeState kex = _kex!;
        kex.RemoteMessage = remote;
        kex.RemoteKexInit = payload;
        KexInitMessage client = _isServer ? remote : kex.LocalMessage!;
        KexInitMessage server = _isServer ? kex.LocalMessage! : remote;

        if (KeyExchangeCount == 0)
        {
            _strictKex = client.KexAlgorithms.Contains(AlgorithmNames.KexStrictClient) && server.KexAlgorithms.Contains(AlgorithmNames.KexStrictServer);
            if (_strictKex && !firstPacket) throw new SshProtocolException("strict KEX violation: KEXINIT was not the first packet");
            _peerWantsExtInfo = _isServer && client.KexAlgorithms.Contains(AlgorithmNames.ExtInfoClient);
        }

        NegotiatedAlgorithms algorithms = AlgorithmNegotiation.Negotiate(client, server, _isServer);
        kex.Algorithms = algorithms;
        KexInitMessage local = kex.LocalMessage!;
        if (remote.FirstKexPacketFollows && (remote.KexAlgorithms.FirstOrDefault() != local.KexAlgorithms.FirstOrDefault()
            || remote.ServerHostKeyAlgorithms.FirstOrDefault() != local.ServerHostKeyAlgorithms.FirstOrDefault()))
        {
            // RFC 4253 §7: the guess is wrong when the two sides' preferred kex or host key algorithms differ, even if
            // the negotiation then picks the guessed one (as OpenSSH's proposals_match); Dropbear's client then sends
            // its KEXDH_INIT again, so the guessed one must be skipped.
            kex.IgnoreNextKexPacket = true;
        }

        if (_isServer) return; // wait for the client's KEXDH_INIT

        if (KeyAgreementFactory.IsGroupExchange(algorithms.KeyExchange))
        {
            int keyBytes = Math.Max(PacketCipherFactory.GetKeyLength(algorithms.CipherClientToServer), PacketCipherFactory.GetKeyLength(algorithms.CipherServerToClient));
            uint preferred = keyBytes <= 16 ? 3072u : keyBytes <= 24 ? 7680u : 8192u;
            kex.GroupMin = GroupExchangeMinBits;
            kex.GroupPreferred = preferred;
            kex.GroupMax = GroupExchangeMaxBits;
            kex.AwaitingGroup = true;
            var writer = new SshWriter(16);
            writer.WriteMessageNumber(MessageNumber.KexDhGexRequest);
            writer.WriteUInt32(kex.GroupMin);
            writer.WriteUInt32(kex.GroupPreferred);
            writer.WriteUInt32(kex.GroupMax);
            await WriteTransportMessageAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            kex.Agreement = KeyAgreementFactory.Create(algorithms.KeyExchange);
            await SendPublicValueAsync(MessageNumber.KexDhInit, kex.Agreement, cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask SendPublicValueAsync(MessageNumber number, IKeyAgreement agreement, CancellationToken cancellationToken)
    {
        var writer = new SshWriter(agreement.PublicValue.Length + 16);
        writer.WriteMessageNumber(number);
        WritePublicValue(ref writer, agreement.PublicValue, agreement.PublicValueIsMPInt);
        return WriteTransportMessageAsync(writer.ToPacket(), cancellationToken);
    }

    private static void WritePublicValue(ref SshWriter writer, ReadOnlySpan<byte> value, bool isMPInt)
    {
        if (isMPInt) writer.WriteMPInt(value);
        else writer.WriteString(value);
    }

    private async ValueTask OnKexMessageAsync(Packet packet, CancellationToken cancellationToken)
    {
        KeyExchangeState? kex = _kex;
        if (kex?.Algorithms is null) throw new SshProtocolException($"unexpected key exchange message {(int)packet.MessageNumber}");
        if (kex.IgnoreNextKexPacket)
        {
            kex.IgnoreNextKexPacket = false;
            return;
        }
        MessageNumber number = packet.MessageNumber;
        byte[] payload = packet.Payload.ToArray();
        bool gex = KeyAgreementFactory.IsGroupExchange(kex.Algorithms.KeyExchange);
        if (_isServer)
        {
            if (gex || number != MessageNumber.KexDhInit || kex.Agreement is not null) throw new SshProtocolException($"unexpected key exchange message {(int)number}");
            await OnClientPublicValueAsync(kex, payload, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (gex && kex.AwaitingGroup && number == MessageNumber.KexDhReply)
        {
            ReadGroup(kex, payload);
            kex.Agreement = KeyAgreementFactory.CreateDiffieHellman(kex.GroupP, kex.GroupG);
            await SendPublicValueAsync(MessageNumber.KexDhGexInit, kex.Agreement, cancellationToken).ConfigureAwait(false);
            return;
        }
        MessageNumber expectedReply = gex ? MessageNumber.KexDhGexReply : MessageNumber.KexDhReply;
        if (number != expectedReply || kex.Agreement is null || kex.NewKeysSent) throw new SshProtocolException($"unexpected key exchange message {(int)number}");
        await OnServerReplyAsync(kex, payload, gex, cancellationToken).ConfigureAwait(false);
    }

    private static void ReadGroup(KeyExchangeState kex, ReadOnlySpan<byte> payload)
    {
        var reader = new SshReader(payload);
        reader.ReadMessageNumber();
        BigInteger p = new(reader.ReadUnsignedMPIntBytes(), isUnsigned: true, isBigEndian: true);
        BigInteger g = new(reader.ReadUnsignedMPIntBytes(), isUnsigned: true, isBigEndian: true);
        reader.ReadEnd();
        KeyAgreementFactory.ValidateGroup(p, g, (int)kex.GroupMin, (int)kex.GroupMax);
        kex.GroupP = p;
        kex.GroupG = g;
        kex.AwaitingGroup = false;
    }

    /// <summary>Client: SSH_MSG_KEX_ECDH_REPLY / KEXDH_REPLY / KEX_DH_GEX_REPLY (RFC 5656 §4, RFC 4253 §8, RFC 4419 §3).</summary>
    private async ValueTask OnServerReplyAsync(KeyExchangeState kex, byte[] payload, bool gex, CancellationToken cancellationToken)
    {
        NegotiatedAlgorithms algorithms = kex.Algorithms!;
        IKeyAgreement agreement = kex.Agreement!;
        var reader = new SshReader(payload);
        reader.ReadMessageNumber();
        byte[] hostKeyBlob = reader.ReadStringBytes().ToArray();
        byte[] serverPublic = (agreement.PublicValueIsMPInt ? reader.ReadUnsignedMPIntBytes() : reader.ReadStringBytes()).ToArray();
        byte[] signature = reader.ReadStringBytes().ToArray();
        reader.ReadEnd();

        SshPublicKey hostKey = SshPublicKey.Parse(hostKeyBlob);
        if (hostKey.KeyType != HostKeyAlgorithms.KeyTypeFor(algorithms.HostKey))
        {
            throw new SshProtocolException($"host key type {hostKey.KeyType} does not match the negotiated {algorithms.HostKey}", DisconnectReason.KeyExchangeFailed);
        }
        byte[] sharedSecret = agreement.DeriveSharedSecret(serverPublic);
        try
        {
            byte[] exchangeHash = ComputeExchangeHash(kex, hostKeyBlob, agreement.PublicValue, serverPublic, agreement.PublicValueIsMPInt, sharedSecret, gex);
            if (!hostKey.VerifySignatureBlob(algorithms.HostKey, exchangeHash, signature))
            {
                throw new SshProtocolException("incorrect signature", DisconnectReason.KeyExchangeFailed);
            }
            if (KeyExchangeCount == 0)
            {
                bool trusted = _settings.VerifyHostKeyAsync is { } verify && await verify(hostKey, cancellationToken).ConfigureAwait(false);
                if (!trusted) throw new SshHostKeyException("Host key verification failed.");
                ServerHostKey = hostKey;
            }
            else if (!hostKey.Equals(ServerHostKey))
            {
                throw new SshProtocolException("server host key changed during rekey", DisconnectReason.HostKeyNotVerifiable);
            }
            await SendNewKeysAsync(kex, sharedSecret, exchangeHash, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    /// <summary>Server: SSH_MSG_KEX_ECDH_INIT / KEXDH_INIT; answers with the reply, NEWKEYS and (first time) EXT_INFO.</summary>
    private async ValueTask OnClientPublicValueAsync(KeyExchangeState kex, byte[] payload, CancellationToken cancellationToken)
    {
        NegotiatedAlgorithms algorithms = kex.Algorithms!;
        IKeyAgreement agreement = KeyAgreementFactory.Create(algorithms.KeyExchange);
        kex.Agreement = agreement;
        var reader = new SshReader(payload);
        reader.ReadMessageNumber();
        byte[] clientPublic = (agreement.PublicValueIsMPInt ? reader.ReadUnsignedMPIntBytes() : reader.ReadStringBytes()).ToArray();
        reader.ReadEnd();

        SshPrivateKey hostKey = _settings.HostKeys.FirstOrDefault(k => k.PublicKey.SignatureAlgorithms.Contains(algorithms.HostKey))
            ?? throw new SshProtocolException($"no host key for {algorithms.HostKey}", DisconnectReason.KeyExchangeFailed);
        byte[] hostKeyBlob = hostKey.PublicKey.Blob.ToArray();
        byte[] sharedSecret = agreement.DeriveSharedSecret(clientPublic);
        try
        {
            byte[] exchangeHash = ComputeExchangeHash(kex, hostKeyBlob, clientPublic, agreement.PublicValue, agreement.PublicValueIsMPInt, sharedSecret, gex: false);
            byte[] signature = await hostKey.SignAsync(algorithms.HostKey, exchangeHash, cancellationToken).ConfigureAwait(false);
            var writer = new SshWriter(hostKeyBlob.Length + signature.Length + agreement.PublicValue.Length + 32);
            writer.WriteMessageNumber(MessageNumber.KexDhReply);
            writer.WriteString(hostKeyBlob);
            WritePublicValue(ref writer, agreement.PublicValue, agreement.PublicValueIsMPInt);
            writer.WriteString(signature);
            Packet reply = writer.ToPacket();
            await SendNewKeysAsync(kex, sharedSecret, exchangeHash, cancellationToken, reply).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    private byte[] ComputeExchangeHash(KeyExchangeState kex, ReadOnlySpan<byte> hostKeyBlob, ReadOnlySpan<byte> clientPublic, ReadOnlySpan<byte> serverPublic, bool isMPInt, ReadOnlySpan<byte> sharedSecret, bool gex)
    {
        string clientVersion = _isServer ? RemoteVersion : _settings.LocalVersion;
        string serverVersion = _isServer ? _settings.LocalVersion : RemoteVersion;
        byte[] clientKexInit = _isServer ? kex.RemoteKexInit! : kex.LocalKexInit!;
        byte[] serverKexInit = _isServer ? kex.LocalKexInit! : kex.RemoteKexInit!;
        var writer = new SshWriter(clientKexInit.Length + serverKexInit.Length + hostKeyBlob.Length + 2048);
        try
        {
            writer.WriteString(Encoding.ASCII.GetBytes(clientVersion));
            writer.WriteString(Encoding.ASCII.GetBytes(serverVersion));
            writer.WriteString(clientKexInit);
            writer.WriteString(serverKexInit);
            writer.WriteString(hostKeyBlob);
            if (gex)
            {
                writer.WriteUInt32(kex.GroupMin);
                writer.WriteUInt32(kex.GroupPreferred);
                writer.WriteUInt32(kex.GroupMax);
                writer.WriteMPInt(kex.GroupP);
                writer.WriteMPInt(kex.GroupG);
            }
            WritePublicValue(ref writer, clientPublic, isMPInt);
            WritePublicValue(ref writer, serverPublic, isMPInt);
            writer.WriteMPInt(sharedSecret);
            HashAlgorithmName hash = KeyAgreementFactory.GetHashAlgorithm(kex.Algorithms!.KeyExchange);
            return hash == HashAlgorithmName.SHA512 ? SHA512.HashData(writer.WrittenSpan)
                : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(writer.WrittenSpan)
                : SHA256.HashData(writer.WrittenSpan);
        }
        finally
        {
            writer.DisposeSensitive();
        }
    }

    /// <summary>Derives the new keys, writes [reply,] NEWKEYS [, EXT_INFO] in one go and switches the outgoing direction.</summary>
    private async ValueTask SendNewKeysAsync(KeyExchangeState kex, byte[] sharedSecret, byte[] exchangeHash, CancellationToken cancellationToken, Packet reply = default)
    {
        NegotiatedAlgorithms algorithms = kex.Algorithms!;
        if (_sessionId.Length == 0) _sessionId = exchangeHash;
        HashAlgorithmName hash = KeyAgreementFactory.GetHashAlgorithm(algorithms.KeyExchange);
        IPacketCipher clientToServer = CreateCipher(hash, sharedSecret, exchangeHash, algorithms.CipherClientToServer, algorithms.MacClientToServer, 'A', 'C', 'E', forEncryption: !_isServer);
        IPacketCipher serverToClient = CreateCipher(hash, sharedSecret, exchangeHash, algorithms.CipherServerToClient, algorithms.MacServerToClient, 'B', 'D', 'F', forEncryption: _isServer);
        IPacketCipher encryptor = _isServer ? serverToClient : clientToServer;
        kex.PendingDecryptor = _isServer ? clientToServer : serverToClient;
        bool firstKex = KeyExchangeCount == 0;
        string outgoingCompression = _isServer ? algorithms.CompressionServerToClient : algorithms.CompressionClientToServer;

        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            reply.Dispose();
            encryptor.Dispose();
            throw;
        }
        try
        {
            if (!reply.IsEmpty)
            {
                WritePacketLocked(reply.Payload);
                reply.Dispose();
            }
            WritePacketLocked([(byte)MessageNumber.NewKeys]);
            IPacketCipher old = _encryptor;
            _encryptor = encryptor;
            old.Dispose();
            if (_strictKex) _sendSequence = 0;
            ApplyOutgoingCompressionLocked(outgoingCompression);
            if (_isServer && firstKex && _peerWantsExtInfo)
            {
                var writer = new SshWriter(256);
                new ExtInfoMessage { Extensions = [new(AlgorithmNames.ServerSigAlgs, ServerSigAlgsValue)] }.Write(ref writer);
                Packet ext = writer.ToPacket();
                try
                {
                    WritePacketLocked(ext.Payload);
                }
                finally
                {
                    ext.Dispose();
                }
            }
            kex.NewKeysSent = true;
            _kexSending = false;
            Algorithms = algorithms;
            await FlushLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
            _sendGate.TrySetResult();
        }
    }

    private void ApplyOutgoingCompressionLocked(string compression)
    {
        if (compression == AlgorithmNames.ZlibOpenSsh)
        {
            _compressionWanted = true;
            if (_startCompression)
            {
                // RFC 4253 §6.2: the compression context starts afresh after each key exchange (OpenSSH restarts
                // deflate at every NEWKEYS); continuing the old stream broke every rekey with -C.
                _compressor?.Dispose();
                _compressor = new ZlibCompressor();
            }
        }
        else
        {
            _compressionWanted = false;
            _compressor?.Dispose();
            _compressor = null;
        }
    }

    private IPacketCipher CreateCipher(HashAlgorithmName hash, byte[] sharedSecret, byte[] exchangeHash, string cipher, string? mac, char ivLetter, char keyLetter, char macLetter, bool forEncryption)
    {
        byte[] iv = KeyDerivation.Derive(hash, sharedSecret, exchangeHash, ivLetter, _sessionId, PacketCipherFactory.GetIvLength(cipher));
        byte[] key = KeyDerivation.Derive(hash, sharedSecret, exchangeHash, keyLetter, _sessionId, PacketCipherFactory.GetKeyLength(cipher));
        byte[] macKey = KeyDerivation.Derive(hash, sharedSecret, exchangeHash, macLetter, _sessionId, PacketCipherFactory.GetMacKeyLength(mac));
        try
        {
            return PacketCipherFactory.Create(cipher, mac, key, iv, macKey, forEncryption);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(iv);
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    private void OnNewKeysReceived(ReadOnlyMemory<byte> payload)
    {
        KeyExchangeState? kex = _kex;
        if (kex?.PendingDecryptor is null || kex.NewKeysReceived) throw new SshProtocolException("unexpected NEWKEYS");
        if (payload.Length != 1) throw new SshProtocolException("malformed NEWKEYS");
        IPacketCipher old = _decryptor;
        _decryptor = kex.PendingDecryptor;
        old.Dispose();
        kex.NewKeysReceived = true;
        if (_strictKex) _receiveSequence = 0;
        NegotiatedAlgorithms algorithms = kex.Algorithms!;
        string incomingCompression = _isServer ? algorithms.CompressionClientToServer : algorithms.CompressionServerToClient;
        if (incomingCompression == AlgorithmNames.ZlibOpenSsh)
        {
            _decompressionWanted = true;
            if (_authenticated)
            {
                _decompressor?.Dispose(); // a fresh context after each key exchange, as the sender's (RFC 4253 §6.2)
                _decompressor = new ZlibDecompressor();
            }
        }
        else
        {
            _decompressionWanted = false;
            _decompressor?.Dispose();
            _decompressor = null;
        }

        // Both NEWKEYS are done once ours was sent (always before theirs is processed here). No lock: the send loop
        // may be blocked flushing to a peer that is itself waiting for us (two instances of this library, both
        // directions saturated), so the reader must never wait for it here.
        if (!kex.NewKeysSent) throw new SshProtocolException("NEWKEYS received before the key exchange finished");
        Interlocked.Exchange(ref _bytesSinceKex, 0);
        Interlocked.Exchange(ref _packetsSinceKex, 0);
        Interlocked.Exchange(ref _lastKexTicks, Environment.TickCount64);
        _expectExtInfo = !_isServer && KeyExchangeCount == 0;
        KeyExchangeCount++;
        kex.Dispose();
        Volatile.Write(ref _kex, null);
    }

    /// <summary>RFC 8308 §2.4: the server's EXT_INFO is accepted only as the first packet after its first NEWKEYS.</summary>
    private void OnExtInfo(ReadOnlySpan<byte> payload, bool firstAfterNewKeys)
    {
        if (_isServer) return; // we never send ext-info-s, so a client's EXT_INFO is ignored
        if (!firstAfterNewKeys)
        {
            if (_strictKex && KeyExchangeCount == 0) throw new SshProtocolException("strict KEX violation: EXT_INFO during initial key exchange");
            return; // a late or repeated EXT_INFO cannot change what we already decided
        }
        ExtInfoMessage message = ExtInfoMessage.Read(payload);
        foreach (var (name, value) in message.Extensions)
        {
            if (name == AlgorithmNames.ServerSigAlgs)
            {
                ServerSignatureAlgorithms = Encoding.ASCII.GetString(value).Split(',', StringSplitOptions.RemoveEmptyEntries);
            }
        }
    }
}
