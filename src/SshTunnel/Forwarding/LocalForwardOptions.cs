using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SshTunnel.Forwarding;

/// <summary>Options of a <see cref="LocalForward"/> listener (-L), in OpenSSH's terms.</summary>
public sealed class LocalForwardOptions
{
    /// <summary>OpenSSH GatewayPorts (-g): with no bind address, listen on the wildcard address instead of loopback.</summary>
    public bool GatewayPorts { get; init; }

    /// <summary>OpenSSH AddressFamily (-4/-6): <see cref="AddressFamily.Unspecified"/> binds both families.</summary>
    public AddressFamily AddressFamily { get; init; } = AddressFamily.Unspecified;

    /// <summary>
    /// OpenSSH StreamLocalBindMask: the umask applied to a Unix-socket listener, which gets mode <c>0777 &amp; ~mask</c>.
    /// Default octal 0177 (0x7F): mode 0600, only the owner may connect.
    /// </summary>
    public int StreamLocalBindMask { get; init; } = UnixSocketListener.DefaultBindMask;

    /// <summary>
    /// OpenSSH StreamLocalBindUnlink: remove an existing file at the listen path before binding (default no: a stale
    /// socket then fails with "unix_listener: cannot bind to path P: Address already in use").
    /// </summary>
    public bool StreamLocalBindUnlink { get; init; }

    /// <summary>Receives OpenSSH-worded messages (bind failures, "channel N: open failed: ...").</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Cancelled when the SSH connection closes: the forward stops then.</summary>
    public CancellationToken ConnectionClosed { get; init; }
}
