using SshTunnel.Wire;

namespace SshTunnel.Transport;

/// <summary>
/// What the layers above the transport (authentication, connection) see: an ordered, reliable stream of
/// SSH message payloads (RFC 4253 §6, after decryption and decompression). Transport-layer messages
/// (DISCONNECT, IGNORE, DEBUG, UNIMPLEMENTED, KEXINIT and the key exchange, NEWKEYS, EXT_INFO) are handled
/// inside the transport and never returned by <see cref="ReceiveAsync"/>.
/// </summary>
internal interface IPacketTransport
{
    /// <summary>
    /// Queues one payload for sending and returns once it is queued (the queue is bounded, so this applies
    /// backpressure). Takes ownership of <paramref name="packet"/> in every case, including exceptions.
    /// During a key exchange the packet waits in the queue until NEWKEYS; it is never dropped or reordered.
    /// </summary>
    /// <exception cref="Errors.SshConnectionException">The connection is closed.</exception>
    ValueTask SendAsync(Packet packet, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues a small reply generated while processing received packets (window adjust, channel-open failure, global
    /// and channel request replies) without ever waiting: the receive loop must not block on a full send queue, or a
    /// key exchange (which only the receive loop can finish) would deadlock. Control packets go out before queued
    /// data, in order among themselves. Takes ownership of <paramref name="packet"/>. Too many pending control packets
    /// (a peer that does not read) close the connection.
    /// </summary>
    /// <exception cref="Errors.SshConnectionException">The connection is closed.</exception>
    void SendControl(Packet packet);

    /// <summary>
    /// Returns the next non-transport payload. The caller owns the returned packet and must dispose it.
    /// Must be called by one reader at a time (the connection's receive loop).
    /// </summary>
    /// <exception cref="Errors.SshConnectionException">The connection closed (the message says why).</exception>
    ValueTask<Packet> ReceiveAsync(CancellationToken cancellationToken = default);

    /// <summary>The session identifier: the exchange hash H of the first key exchange (RFC 4253 §7.2).</summary>
    ReadOnlyMemory<byte> SessionId { get; }

    /// <summary>Signature algorithms the server listed in RFC 8308 server-sig-algs (empty if none were sent).</summary>
    IReadOnlyList<string> ServerSignatureAlgorithms { get; }

    /// <summary>The peer's identification string (e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10").</summary>
    string RemoteVersion { get; }

    /// <summary>Cancelled when the connection has closed, for any reason.</summary>
    CancellationToken Closed { get; }

    /// <summary>Closes the connection: sends DISCONNECT with <paramref name="reason"/> if possible. Idempotent; the first reason wins.</summary>
    void Abort(Exception reason, Errors.DisconnectReason disconnectReason = Errors.DisconnectReason.ByApplication);
}
