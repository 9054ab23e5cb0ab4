namespace SshTunnel.Connection;

/// <summary>Tunables of the connection layer (RFC 4254). Sizes in bytes.</summary>
internal sealed class SshConnectionOptions
{
    /// <summary>Default receive window per channel: 4 MiB (OpenSSH uses 2 MiB; larger windows carry more per RTT).</summary>
    public const uint DefaultReceiveWindowSize = 4 * 1024 * 1024;

    /// <summary>Default maximum data bytes per packet we accept: 32 KiB, the size every implementation must take (RFC 4253 §6.1).</summary>
    public const uint DefaultMaximumPacketSize = 32 * 1024;

    /// <summary>Largest data payload we put in one SSH_MSG_CHANNEL_DATA, whatever the peer allows.</summary>
    public const int MaxSendDataLength = 32 * 1024;

    /// <summary>Initial receive window advertised for each channel.</summary>
    public uint ReceiveWindowSize { get; init; } = DefaultReceiveWindowSize;

    /// <summary>Maximum packet size advertised for each channel.</summary>
    public uint MaximumPacketSize { get; init; } = DefaultMaximumPacketSize;

    /// <summary>Incoming channel opens waiting for a decision; more are refused with RESOURCE_SHORTAGE.</summary>
    public int MaxPendingChannelOpens { get; init; } = 64;

    /// <summary>Incoming global requests waiting for a reply; more is a protocol violation (replies must stay in order).</summary>
    public int MaxPendingGlobalRequests { get; init; } = 64;

    /// <summary>Incoming channel requests per channel waiting for a handler; more is a protocol violation.</summary>
    public int MaxPendingChannelRequests { get; init; } = 16;
}
