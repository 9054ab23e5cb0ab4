using SshTunnel.Errors;

namespace SshTunnel.Connection;

/// <summary>
/// A channel open from the peer (RFC 4254 §5.1) waiting for a decision. The connection's open handler runs off
/// the receive loop and calls <see cref="AcceptAsync(CancellationToken)"/> or <see cref="RejectAsync"/> once; if it returns or throws
/// without deciding, the open is refused (CONNECT_FAILED, "open failed").
/// </summary>
internal sealed class IncomingChannelOpen
{
    private readonly SshConnection _connection;
    private int _decided;

    internal IncomingChannelOpen(SshConnection connection, string channelType, uint senderChannel, uint initialWindowSize, uint maximumPacketSize, byte[] typeSpecificData)
    {
        _connection = connection;
        ChannelType = channelType;
        SenderChannel = senderChannel;
        InitialWindowSize = initialWindowSize;
        MaximumPacketSize = maximumPacketSize;
        TypeSpecificData = typeSpecificData;
    }

    /// <summary>The channel type (a <see cref="ChannelTypes"/> constant or an unknown name).</summary>
    public string ChannelType { get; }

    /// <summary>The peer's channel number.</summary>
    public uint SenderChannel { get; }

    /// <summary>The peer's initial window.</summary>
    public uint InitialWindowSize { get; }

    /// <summary>The peer's maximum packet size.</summary>
    public uint MaximumPacketSize { get; }

    /// <summary>Type-specific data (a copy), e.g. <c>DirectTcpipOpenData</c>.</summary>
    public byte[] TypeSpecificData { get; }

    /// <summary>True once accepted or rejected.</summary>
    public bool IsDecided => Volatile.Read(ref _decided) != 0;

    /// <summary>Accepts: allocates our channel id and sends SSH_MSG_CHANNEL_OPEN_CONFIRMATION.</summary>
    /// <exception cref="InvalidOperationException">Already decided.</exception>
    public Task<SshChannel> AcceptAsync(CancellationToken cancellationToken = default)
    {
        Decide();
        return _connection.AcceptIncomingOpenAsync(this, null, cancellationToken);
    }

    /// <summary>
    /// Accepts with SSH_MSG_CHANNEL_OPEN_CONFIRMATION, with <paramref name="requestHandler"/> installed before the
    /// confirmation is sent: a peer may send a channel request (e.g. "exec") right after the confirmation, and without
    /// a handler in place it would be refused.
    /// </summary>
    public Task<SshChannel> AcceptAsync(Func<SshChannel, IncomingChannelRequest, CancellationToken, ValueTask<bool>> requestHandler, CancellationToken cancellationToken = default)
    {
        Decide();
        return _connection.AcceptIncomingOpenAsync(this, requestHandler, cancellationToken);
    }

    /// <summary>Refuses with SSH_MSG_CHANNEL_OPEN_FAILURE.</summary>
    /// <exception cref="InvalidOperationException">Already decided.</exception>
    public Task RejectAsync(ChannelOpenFailureReason reason, string description, CancellationToken cancellationToken = default)
    {
        Decide();
        return _connection.RejectIncomingOpenAsync(this, reason, description, cancellationToken);
    }

    internal bool TryDecide() => Interlocked.Exchange(ref _decided, 1) == 0;

    private void Decide()
    {
        if (!TryDecide()) throw new InvalidOperationException("The channel open was already accepted or rejected.");
    }
}
