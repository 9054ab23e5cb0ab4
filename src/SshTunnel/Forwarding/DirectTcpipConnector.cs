using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Forwarding;

/// <summary>
/// Server side of "direct-tcpip" (RFC 4254 §7.2): connects to the requested host:port off the receive loop, with
/// its own timeout, and maps failures to OPEN_FAILURE reasons with OpenSSH's descriptions
/// ("Connection refused", "Name or service not known", ...).
/// </summary>
internal static class DirectTcpipConnector
{
    /// <summary>Default connect timeout (OpenSSH has none beyond the kernel's; a non-responding target must not pin a pending open forever).</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Resolves <paramref name="host"/> and connects to each address in turn; returns a connected socket with NoDelay set.
    /// </summary>
    /// <exception cref="SshChannelOpenException">CONNECT_FAILED with an OpenSSH-style description.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<Socket> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (port is < 0 or > 65535) throw new SshChannelOpenException(ChannelOpenFailureReason.ConnectFailed, "Invalid port");
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        CancellationToken token = timeoutCts.Token;
        try
        {
            IPAddress[] addresses = IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, token).ConfigureAwait(false);
            if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
            SocketException? last = null;
            foreach (IPAddress address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, port), token).ConfigureAwait(false);
                    socket.NoDelay = true;
                    return socket;
                }
                catch (SocketException ex)
                {
                    socket.Dispose();
                    last = ex;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            throw last!;
        }
        catch (SocketException ex)
        {
            throw new SshChannelOpenException(ChannelOpenFailureReason.ConnectFailed, Describe(ex));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SshChannelOpenException(ChannelOpenFailureReason.ConnectFailed, "Connection timed out");
        }
    }

    /// <summary>OpenSSH's (strerror/gai_strerror) text for a socket error.</summary>
    public static string Describe(SocketException exception) => exception.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.HostNotFound or SocketError.NoData => "Name or service not known",
        SocketError.TryAgain => "Temporary failure in name resolution",
        SocketError.TimedOut => "Connection timed out",
        SocketError.NetworkUnreachable => "Network is unreachable",
        SocketError.HostUnreachable => "No route to host",
        SocketError.AccessDenied => "Permission denied",
        SocketError.AddressNotAvailable => "Cannot assign requested address",
        SocketError.ConnectionReset => "Connection reset by peer",
        _ => exception.Message,
    };

    /// <summary>
    /// Handles an incoming "direct-tcpip" open: parses it, connects (rejecting with CONNECT_FAILED on failure),
    /// accepts, and pumps until both directions end. The caller checks policy (PermitOpen) first.
    /// </summary>
    public static async Task HandleAsync(IncomingChannelOpen open, TimeSpan connectTimeout, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        DirectTcpipOpenData data;
        try
        {
            data = DirectTcpipOpenData.Parse(open.TypeSpecificData);
        }
        catch (SshProtocolException ex)
        {
            await open.RejectAsync(ChannelOpenFailureReason.ConnectFailed, ex.Message, cancellationToken).ConfigureAwait(false);
            return;
        }
        Socket socket;
        try
        {
            socket = await ConnectAsync(data.HostToConnect, (int)Math.Min(data.PortToConnect, int.MaxValue), connectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SshChannelOpenException ex)
        {
            if (logger is not null) ForwardingLog.ConnectFailed(logger, data.HostToConnect, data.PortToConnect, ex.Description);
            await open.RejectAsync(ex.Reason, ex.Description, cancellationToken).ConfigureAwait(false);
            return;
        }
        SshChannel channel;
        try
        {
            channel = await open.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        Exception? error = await StreamPump.RunAsync(socket, channel.Stream, cancellationToken).ConfigureAwait(false);
        if (error is not null && logger is not null)
        {
            string originator = data.OriginatorAddress + ":" + data.OriginatorPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            ForwardingLog.PumpFailed(logger, originator, error.Message);
        }
    }
}
