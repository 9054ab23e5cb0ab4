namespace SshTunnel.Forwarding;

/// <summary>Bytes moved by one <see cref="StreamPump"/> run, for the "forward closed" log line. Updated as data moves.</summary>
internal sealed class StreamPumpCounters
{
    private long _socketToChannel;
    private long _channelToSocket;

    /// <summary>Bytes read from the socket and written to the channel.</summary>
    public long SocketToChannel => Interlocked.Read(ref _socketToChannel);

    /// <summary>Bytes read from the channel and written to the socket.</summary>
    public long ChannelToSocket => Interlocked.Read(ref _channelToSocket);

    internal void AddSocketToChannel(int count) => Interlocked.Add(ref _socketToChannel, count);

    internal void AddChannelToSocket(int count) => Interlocked.Add(ref _channelToSocket, count);
}
