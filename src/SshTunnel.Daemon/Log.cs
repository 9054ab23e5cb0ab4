using Microsoft.Extensions.Logging;

namespace SshTunnel.Daemon;

/// <summary>sshtunneld's own log lines (startup, reload, user checks); texts are formatted by the caller in sshd's wording.</summary>
internal static partial class Log
{
    public static void Info(ILogger logger, string text) => WriteInfo(logger, text);

    public static void Debug(ILogger logger, string text) => WriteDebug(logger, text);

    public static void Error(ILogger logger, string text) => WriteError(logger, text);

    public static void Fatal(ILogger logger, string text) => WriteFatal(logger, text);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "{Text}")]
    private static partial void WriteInfo(ILogger logger, string text);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "{Text}")]
    private static partial void WriteDebug(ILogger logger, string text);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "{Text}")]
    private static partial void WriteError(ILogger logger, string text);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Critical, Message = "{Text}")]
    private static partial void WriteFatal(ILogger logger, string text);
}
