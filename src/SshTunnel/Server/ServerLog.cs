using Microsoft.Extensions.Logging;
using SshTunnel.Wire;

namespace SshTunnel.Server;

/// <summary>
/// Log lines of the server. The caller formats the text in sshd's wording (auth.c, serverloop.c, channels.c) so a
/// log reads like sshd's; the level says how important it is. These are per-connection or per-forward events, never
/// per packet, so building the text before the level check costs nothing that matters.
/// </summary>
internal static partial class ServerLog
{
    public static void Info(ILogger logger, string text)
    {
        if (!logger.IsEnabled(LogLevel.Information)) return;
        string clean = Sanitize(text);
        WriteInfo(logger, clean);
    }

    public static void Debug(ILogger logger, string text)
    {
        if (!logger.IsEnabled(LogLevel.Debug)) return;
        string clean = Sanitize(text);
        WriteDebug(logger, clean);
    }

    public static void Error(ILogger logger, string text)
    {
        if (!logger.IsEnabled(LogLevel.Error)) return;
        string clean = Sanitize(text);
        WriteError(logger, clean);
    }

    public static void DebugException(ILogger logger, Exception exception, string text)
    {
        if (!logger.IsEnabled(LogLevel.Debug)) return;
        string clean = Sanitize(text);
        WriteDebugException(logger, exception, clean);
    }

    /// <summary>
    /// Log lines carry peer-controlled strings (user names, target hosts, banners): control characters become '?' so a
    /// client cannot forge extra lines (e.g. "Accepted publickey for root") or send terminal escapes; 1000 chars at most.
    /// </summary>
    internal static string Sanitize(string text)
    {
        if (text.Length > 1000) text = text[..1000] + "...";
        return PeerText.Sanitize(text);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "{Text}")]
    private static partial void WriteInfo(ILogger logger, string text);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "{Text}")]
    private static partial void WriteDebug(ILogger logger, string text);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "{Text}")]
    private static partial void WriteError(ILogger logger, string text);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "{Text}")]
    private static partial void WriteDebugException(ILogger logger, Exception exception, string text);
}
