using Microsoft.Extensions.Logging;

namespace SshTunnel.Server;

/// <summary>
/// Wraps the server's logger for the layers below the session (connection, transport), whose log messages can carry
/// peer-controlled text (channel types, global request names): each message is formatted and passed through
/// <see cref="ServerLog.Sanitize"/> before it reaches the real logger, as <see cref="ServerLog"/> does for the server's own lines.
/// </summary>
internal sealed class SanitizingLogger(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!inner.IsEnabled(logLevel)) return;
        string text = ServerLog.Sanitize(formatter(state, exception));
        inner.Log(logLevel, eventId, text, exception, static (s, _) => s);
    }
}
