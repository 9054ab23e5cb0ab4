using SshTunnel.Connection;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Connection;

/// <summary>Two <see cref="SshConnection"/>s over a <see cref="PacketPipe"/>, plus helpers for raw-peer tests.</summary>
internal sealed class ConnectionTestPair : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public ConnectionTestPair(SshConnectionOptions? clientOptions = null, SshConnectionOptions? serverOptions = null,
        Func<IncomingChannelOpen, Task>? serverOpenHandler = null, Func<IncomingGlobalRequest, CancellationToken, ValueTask<GlobalRequestReply>>? serverGlobalHandler = null)
    {
        (ClientPipe, ServerPipe) = PacketPipe.CreatePair();
        Client = new SshConnection(ClientPipe, clientOptions);
        Server = new SshConnection(ServerPipe, serverOptions) { ChannelOpenHandler = serverOpenHandler, GlobalRequestHandler = serverGlobalHandler };
        Client.Start();
        Server.Start();
    }

    public PacketPipe ClientPipe { get; }
    public PacketPipe ServerPipe { get; }
    public SshConnection Client { get; }
    public SshConnection Server { get; }

    /// <summary>An open handler that accepts everything and passes the channel on.</summary>
    public static Func<IncomingChannelOpen, Task> AcceptInto(Action<SshChannel> onAccepted, Action<SshChannel>? configure = null)
        => async open =>
        {
            SshChannel channel = await open.AcceptAsync();
            configure?.Invoke(channel);
            onAccepted(channel);
        };

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>A connection on one end of a pipe, and the other end driven by hand.</summary>
internal sealed class RawPeerPair : IAsyncDisposable
{
    public RawPeerPair(SshConnectionOptions? options = null)
    {
        (PacketPipe client, PacketPipe server) = PacketPipe.CreatePair();
        Connection = new SshConnection(client, options);
        Peer = server;
        Connection.Start();
    }

    public SshConnection Connection { get; }
    public PacketPipe Peer { get; }

    public async Task<byte[]> ReceiveAsync()
    {
        using Packet packet = await Peer.ReceiveAsync().AsTask().WaitAsync(ConnectionTestPair.Timeout);
        return packet.Payload.ToArray();
    }

    public ValueTask SendAsync(ReadOnlySpan<byte> payload) => Peer.SendAsync(Packet.Copy(payload));

    public ValueTask SendAsync(SshWriter writer) => Peer.SendAsync(writer.ToPacket());

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
