namespace SshTunnel.Connection;

/// <summary>A global request from the peer (RFC 4254 §4), handed to the global request handler off the receive loop.</summary>
internal sealed class IncomingGlobalRequest
{
    internal IncomingGlobalRequest(string requestName, bool wantReply, byte[] requestSpecificData)
    {
        RequestName = requestName;
        WantReply = wantReply;
        RequestSpecificData = requestSpecificData;
    }

    /// <summary>The request name (a <see cref="GlobalRequestNames"/> constant or an unknown name).</summary>
    public string RequestName { get; }

    /// <summary>True when the peer waits for REQUEST_SUCCESS/FAILURE.</summary>
    public bool WantReply { get; }

    /// <summary>The request-specific data (a copy).</summary>
    public byte[] RequestSpecificData { get; }
}
