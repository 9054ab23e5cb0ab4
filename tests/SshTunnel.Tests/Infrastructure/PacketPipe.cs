using System.Threading.Channels;
using SshTunnel.Errors;
using SshTunnel.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Infrastructure;

/// <summary>
/// A packet-level in-memory transport pair (no version exchange, no crypto) for testing the layers above the
/// transport: what one side sends, the other receives, in order. Abort on either side closes both.
/// </summary>
internal sealed class PacketPipe : IPacketTransport
{
    private readonly Channel<Packet> _incoming;
    private readonly Channel<Packet> _outgoing;
    private readonly CancellationTokenSource _closed;
    private Exception? _abortReason;

    private PacketPipe(Channel<Packet> incoming, Channel<Packet> outgoing, CancellationTokenSource closed)
    {
        _incoming = incoming;
        _outgoing = outgoing;
        _closed = closed;
    }

    /// <summary>Creates a connected pair (client end, server end) sharing a session id.</summary>
    public static (PacketPipe Client, PacketPipe Server) CreatePair(int capacity = 1024)
    {
        var toServer = Channel.CreateBounded<Packet>(capacity);
        var toClient = Channel.CreateBounded<Packet>(capacity);
        var closed = new CancellationTokenSource();
        byte[] sessionId = new byte[32];
        Random.Shared.NextBytes(sessionId);
        var client = new PacketPipe(toClient, toServer, closed) { SessionId = sessionId, RemoteVersion = "SSH-2.0-TestServer" };
        var server = new PacketPipe(toServer, toClient, closed) { SessionId = sessionId, RemoteVersion = "SSH-2.0-TestClient" };
        client.Peer = server;
        server.Peer = client;
        return (client, server);
    }

    private PacketPipe? Peer { get; set; }

    /// <summary>Number of packets this end has sent.</summary>
    public int SentCount;

    public ReadOnlyMemory<byte> SessionId { get; private init; }

    public IReadOnlyList<string> ServerSignatureAlgorithms { get; set; } = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-256", "rsa-sha2-512"];

    public string RemoteVersion { get; private init; } = "";

    public CancellationToken Closed => _closed.Token;

    public async ValueTask SendAsync(Packet packet, CancellationToken cancellationToken = default)
    {
        try
        {
            if (_closed.IsCancellationRequested) throw new SshConnectionException("connection closed", DisconnectReason.ConnectionLost, _abortReason ?? Peer?._abortReason);
            Interlocked.Increment(ref SentCount);
            await _outgoing.Writer.WriteAsync(packet.Move(), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new SshConnectionException("connection closed", DisconnectReason.ConnectionLost);
        }
        finally
        {
            packet.Dispose();
        }
    }

    public void SendControl(Packet packet)
    {
        if (_closed.IsCancellationRequested)
        {
            packet.Dispose();
            throw new SshConnectionException("connection closed", DisconnectReason.ConnectionLost, _abortReason ?? Peer?._abortReason);
        }
        Interlocked.Increment(ref SentCount);
        if (!_outgoing.Writer.TryWrite(packet.Move()))
        {
            packet.Dispose();
            Abort(new SshConnectionException("control queue full"));
        }
    }

    public async ValueTask<Packet> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _incoming.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new SshConnectionException("connection closed: " + (_abortReason ?? Peer?._abortReason)?.Message, DisconnectReason.ConnectionLost);
        }
    }

    public void Abort(Exception reason, DisconnectReason disconnectReason = DisconnectReason.ByApplication)
    {
        Interlocked.CompareExchange(ref _abortReason, reason, null);
        _incoming.Writer.TryComplete();
        _outgoing.Writer.TryComplete();
        _closed.Cancel();
    }
}
