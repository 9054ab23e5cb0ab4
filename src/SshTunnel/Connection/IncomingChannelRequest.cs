namespace SshTunnel.Connection;

/// <summary>A channel request from the peer (RFC 4254 §5.4), handed to a channel's request handler off the receive loop.</summary>
internal sealed class IncomingChannelRequest
{
    internal IncomingChannelRequest(SshChannel channel, string requestType, bool wantReply, byte[] requestSpecificData)
    {
        Channel = channel;
        RequestType = requestType;
        WantReply = wantReply;
        RequestSpecificData = requestSpecificData;
    }

    /// <summary>The channel the request is for.</summary>
    public SshChannel Channel { get; }

    /// <summary>The request type (a <see cref="ChannelRequestNames"/> constant or an unknown name).</summary>
    public string RequestType { get; }

    /// <summary>True when the peer waits for CHANNEL_SUCCESS/FAILURE.</summary>
    public bool WantReply { get; }

    /// <summary>The request-specific data, unparsed (a copy owned by this object).</summary>
    public byte[] RequestSpecificData { get; }

    /// <summary>
    /// Completes once the handler's answer has been queued for sending (or was not needed: no want-reply, or the
    /// channel closed), so a handler can start work that must follow its CHANNEL_SUCCESS on the wire.
    /// </summary>
    public Task Replied => _replied.Task;

    private readonly TaskCompletionSource _replied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void OnReplied() => _replied.TrySetResult();
}
