using Microsoft.Extensions.Logging;
using SshTunnel.Server;

namespace SshTunnel.Tests.Server;

/// <summary>The logger the server hands to the connection layer sanitizes peer text like ServerLog does.</summary>
public sealed class SanitizingLoggerTests
{
    [Fact]
    public void Messages_reach_the_inner_logger_without_control_characters_at_the_same_level()
    {
        var inner = new LevelLogger();
        var logger = new SanitizingLogger(inner);
        var error = new InvalidOperationException("x");
        logger.Log(LogLevel.Debug, default, "global request handler for x\r\nAccepted password for root failed", error, static (s, _) => s);
        logger.Log(LogLevel.Error, default, "plain", null, static (s, _) => s);
        Assert.Equal([(LogLevel.Debug, "global request handler for x??Accepted password for root failed", (Exception?)error), (LogLevel.Error, "plain", null)], inner.Entries);
    }

    private sealed class LevelLogger : ILogger
    {
        public List<(LogLevel, string, Exception?)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception), exception));
    }
}
