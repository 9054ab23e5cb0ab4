namespace SshTunnel.Wire;

/// <summary>Bounds on what a peer may make us hold (RFC 4253 §6.1 and OpenSSH's limits).</summary>
internal static class SshProtocolLimits
{
    /// <summary>Largest packet_length we accept, in bytes (OpenSSH PACKET_MAX_SIZE, 256 KiB).</summary>
    public const int MaxPacketLength = 256 * 1024;

    /// <summary>Largest payload we ever send, in bytes; RFC 4253 §6.1 requires peers to take 32,768.</summary>
    public const int MaxOutgoingPayload = 32768 + 1024;

    /// <summary>Largest inflated payload accepted from zlib@openssh.com, in bytes.</summary>
    public const int MaxInflatedPayload = 256 * 1024;

    /// <summary>Longest name-list we parse, in bytes.</summary>
    public const int MaxNameListLength = 64 * 1024;
}
