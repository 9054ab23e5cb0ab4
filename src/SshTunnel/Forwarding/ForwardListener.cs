using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SshTunnel.Connection;

namespace SshTunnel.Forwarding;

/// <summary>
/// The client-side listening sockets shared by <see cref="LocalForward"/> (-L) and <see cref="DynamicForward"/> (-D):
/// OpenSSH's bind-address rules, one socket per address, and the accept loop.
/// </summary>
internal static class ForwardListener
{
    /// <summary>Which addresses to bind for a client-side listener (OpenSSH channel_fwd_bind_addr, is_client=1).</summary>
    public static async Task<IPAddress[]> ResolveBindAddressesAsync(string? bindAddress, bool gatewayPorts, AddressFamily family, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (bindAddress is null)
        {
            addresses = gatewayPorts ? [IPAddress.Any, IPAddress.IPv6Any] : [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }
        else if (bindAddress is "" or "*")
        {
            addresses = [IPAddress.Any, IPAddress.IPv6Any];
        }
        else if (string.Equals(bindAddress, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            addresses = [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }
        else if (IPAddress.TryParse(bindAddress.Trim('[', ']'), out IPAddress? literal))
        {
            addresses = [literal];
        }
        else
        {
            addresses = await Dns.GetHostAddressesAsync(bindAddress, cancellationToken).ConfigureAwait(false);
        }
        if (family != AddressFamily.Unspecified) addresses = [.. addresses.Where(a => a.AddressFamily == family)];
        if (!Socket.OSSupportsIPv6) addresses = [.. addresses.Where(a => a.AddressFamily != AddressFamily.InterNetworkV6)];
        return addresses;
    }

    /// <summary>
    /// Binds and listens on every address (IPV6_V6ONLY on v6, SO_REUSEADDR); port 0 picks one port, reused for
    /// the other addresses. Logs the failures OpenSSH-style; succeeds when at least one address is bound.
    /// </summary>
    /// <exception cref="ForwardBindException">No address could be bound.</exception>
    public static Socket[] BindAll(IPAddress[] addresses, int port, ILogger? logger)
    {
        var listeners = new List<Socket>();
        var errors = new List<string>();
        SocketException? lastError = null;
        foreach (IPAddress address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (address.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false; // IPV6_V6ONLY
                SetReuseAddress(socket);
                socket.Bind(new IPEndPoint(address, port));
                socket.Listen(128);
                listeners.Add(socket);
                if (port == 0) port = ((IPEndPoint)socket.LocalEndPoint!).Port; // same port on every family
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                lastError = ex;
                errors.Add($"bind {FormatEndPoint(address, port)}: {DirectTcpipConnector.Describe(ex)}");
            }
        }
        if (logger is not null)
        {
            for (int i = 0; i < errors.Count; i++)
            {
                if (i == errors.Count - 1) ForwardingLog.ForwardError(logger, errors[i]);
                else ForwardingLog.ForwardDebug(logger, errors[i]);
            }
        }
        if (listeners.Count == 0)
        {
            throw new ForwardBindException($"channel_setup_fwd_listener_tcpip: cannot listen to port: {port}", errors, lastError);
        }
        return [.. listeners];
    }

    private static void SetReuseAddress(Socket socket)
    {
        // Plain SO_REUSEADDR as OpenSSH sets it. .NET's SocketOptionName.ReuseAddress also sets SO_REUSEPORT on
        // Unix, which would let two listeners share the port, so set the raw option. Windows: leave the default.
        if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, [1, 0, 0, 0]);
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()) socket.SetRawSocketOption(0xffff, 0x4, [1, 0, 0, 0]);
    }

    /// <summary>OpenSSH's "[addr]:port" form.</summary>
    public static string FormatEndPoint(IPAddress address, int port) => $"[{address}]:{port}";

    /// <summary>
    /// Accepts until <paramref name="stopped"/> is cancelled or the listener is disposed; hands every accepted socket
    /// to <paramref name="handleConnection"/> (fire and forget). Transient resets are skipped; any other accept
    /// failure calls <paramref name="stop"/> and ends the loop.
    /// </summary>
    public static async Task AcceptLoopAsync(Socket listener, Func<Socket, Task> handleConnection, Action<Exception> stop, CancellationToken stopped)
    {
        while (!stopped.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopped).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                if (stopped.IsCancellationRequested) break;
                if (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted) continue;
                stop(ex);
                break;
            }
            handleConnection(socket).Forget();
        }
    }
}
