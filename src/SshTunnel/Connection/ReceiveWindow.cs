using SshTunnel.Errors;

namespace SshTunnel.Connection;

/// <summary>
/// What the peer may still send us on a channel (RFC 4254 §5.2). Data arriving beyond it is a protocol error.
/// Credit is given back with SSH_MSG_CHANNEL_WINDOW_ADJUST when the application has consumed half of the
/// initial window (on consume, not on arrival), so a slow reader stops the peer and backpressure reaches the socket.
/// Not thread-safe: the owning channel serialises calls under its lock.
/// </summary>
internal sealed class ReceiveWindow
{
    private readonly uint _initialSize;
    private readonly uint _adjustThreshold;
    private long _available;
    private long _consumedNotAdjusted;

    /// <summary>Creates a window of <paramref name="initialSize"/> bytes.</summary>
    public ReceiveWindow(uint initialSize)
    {
        ArgumentOutOfRangeException.ThrowIfZero(initialSize);
        _initialSize = initialSize;
        _available = initialSize;
        _adjustThreshold = Math.Max(1, initialSize / 2);
    }

    /// <summary>The window advertised when the channel opened, in bytes.</summary>
    public uint InitialSize => _initialSize;

    /// <summary>Bytes the peer may still send before our next adjust.</summary>
    public long Available => _available;

    /// <summary>Accounts for <paramref name="length"/> bytes that arrived.</summary>
    /// <exception cref="SshProtocolException">The peer sent more than the window allowed.</exception>
    public void OnDataReceived(int length, uint localChannelId)
    {
        if (length > _available)
        {
            throw new SshProtocolException($"channel {localChannelId}: peer sent {length} bytes with only {_available} left in the window");
        }
        _available -= length;
    }

    /// <summary>
    /// Accounts for <paramref name="length"/> bytes the application consumed (or we discarded). Returns the bytes to
    /// add in a WINDOW_ADJUST now, or 0 when no adjust is due yet.
    /// </summary>
    public uint OnConsumed(int length)
    {
        _consumedNotAdjusted += length;
        if (_consumedNotAdjusted < _adjustThreshold) return 0;
        uint bytesToAdd = (uint)_consumedNotAdjusted;
        _consumedNotAdjusted = 0;
        _available += bytesToAdd;
        return bytesToAdd;
    }
}
