using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SshTunnel.Server;

/// <summary>
/// The accept loop shared by the server's listeners (its own ports, tcpip-forward and streamlocal-forward listeners).
/// A failed accept never ends the loop: resets of a connection still in the queue are skipped; anything else (EMFILE,
/// ENOBUFS, ...) is logged and retried after a pause growing from 100 ms to 1 s, as sshd keeps accepting after
/// "accept: ..." errors. Only cancellation or disposal of the listening socket (ObjectDisposedException, or
/// OperationAborted for an accept pending at the close) ends it.
/// </summary>
internal static class AcceptLoop
{
    /// <summary>The first pause after a failed accept.</summary>
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest pause between retries.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    /// <summary>Runs the loop on a listening socket.</summary>
    public static Task RunAsync(Socket listener, Action<Socket> onAccepted, ILogger logger, CancellationToken cancellationToken) =>
        RunAsync(listener.AcceptAsync, onAccepted, logger, cancellationToken);

    /// <summary>Runs the loop over <paramref name="accept"/> (a seam for tests) until cancelled or disposed.</summary>
    public static async Task RunAsync(Func<CancellationToken, ValueTask<Socket>> accept, Action<Socket> onAccepted, ILogger logger, CancellationToken cancellationToken)
    {
        TimeSpan backoff = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await accept(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException
                or SocketException { SocketErrorCode: SocketError.OperationAborted })
            {
                return; // stopped, or the listening socket was closed under a pending accept
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                ServerLog.Debug(logger, "accept: " + e.Message);
                continue;
            }
            catch (SocketException e)
            {
                backoff = NextBackoff(backoff);
                ServerLog.Error(logger, string.Create(CultureInfo.InvariantCulture,
                    $"accept: {e.Message} (retrying in {(int)backoff.TotalMilliseconds} ms)"));
                try
                {
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            backoff = TimeSpan.Zero;
            onAccepted(socket);
        }
    }

    /// <summary>100 ms after the first failure, then doubling up to <see cref="MaxBackoff"/>.</summary>
    internal static TimeSpan NextBackoff(TimeSpan current) =>
        current <= TimeSpan.Zero ? InitialBackoff : (current * 2 > MaxBackoff ? MaxBackoff : current * 2);
}
