using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SshTunnel.Forwarding;

/// <summary>Options of a <see cref="DynamicForward"/> SOCKS/HTTP CONNECT listener (-D), in OpenSSH's terms.</summary>
public sealed class DynamicForwardOptions
{
    /// <summary>OpenSSH GatewayPorts (-g): with no bind address, listen on the wildcard address instead of loopback.</summary>
    public bool GatewayPorts { get; init; }

    /// <summary>OpenSSH AddressFamily (-4/-6): <see cref="AddressFamily.Unspecified"/> binds both families.</summary>
    public AddressFamily AddressFamily { get; init; } = AddressFamily.Unspecified;

    /// <summary>Receives OpenSSH-worded messages (bind failures, "channel N: open failed: ...", bad requests at debug).</summary>
    public ILogger? Logger { get; init; }

    /// <summary>For a listener on a Unix-domain socket: the umask it is created with (OpenSSH StreamLocalBindMask, default 0177).</summary>
    public int StreamLocalBindMask { get; init; } = UnixSocketListener.DefaultBindMask;

    /// <summary>For a listener on a Unix-domain socket: remove a stale socket file first (OpenSSH StreamLocalBindUnlink).</summary>
    public bool StreamLocalBindUnlink { get; init; }

    /// <summary>Cancelled when the SSH connection closes: the forward stops then, and running tunnels are cut.</summary>
    public CancellationToken ConnectionClosed { get; init; }

    /// <summary>
    /// How long a client that connected may take to send its complete SOCKS or HTTP CONNECT request before its
    /// connection alone is closed. Default 30 seconds; <see cref="Timeout.InfiniteTimeSpan"/> waits forever, as OpenSSH does.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
