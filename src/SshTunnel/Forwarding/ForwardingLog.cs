using Microsoft.Extensions.Logging;

namespace SshTunnel.Forwarding;

/// <summary>Log lines of the forwarding layer; texts follow OpenSSH's wording (FORWARDING-CLI.md §9).</summary>
internal static partial class ForwardingLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "{Text}")]
    public static partial void ForwardError(ILogger logger, string text);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "{Text}")]
    public static partial void ForwardDebug(ILogger logger, string text);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "channel {ChannelId}: open failed: {ReasonText}: {Description}")]
    public static partial void ChannelOpenFailed(ILogger logger, uint channelId, string reasonText, string description);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "forwarded connection from {Originator} failed: {Error}")]
    public static partial void PumpFailed(ILogger logger, string originator, string error);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Debug, Message = "connect_to {Host} port {Port}: failed: {Description}")]
    public static partial void ConnectFailed(ILogger logger, string host, uint port, string description);
}
