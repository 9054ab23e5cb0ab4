using Microsoft.Extensions.Logging;
using SshTunnel.Wire;

namespace SshTunnel.Cli;

/// <summary>
/// Prints log lines as ssh does: plain text on stderr (or the -E file), "debug1: " prefixes at -v.
/// The threshold follows LogLevel / -q / -v: QUIET shows nothing, FATAL and ERROR show errors, INFO (the default) adds
/// informational lines, VERBOSE/DEBUG* add debug lines.
/// </summary>
internal sealed class ConsoleLogger : ILogger
{
    private readonly TextWriter _writer;
    private readonly object _lock = new();

    public ConsoleLogger(TextWriter writer, LogLevel minimum, bool verbose = false)
    {
        _writer = writer;
        Minimum = minimum;
        _verbose = verbose || minimum <= LogLevel.Debug;
    }

    private readonly bool _verbose;

    public LogLevel Minimum { get; }

    /// <summary>Maps ssh's LogLevel names (and the -q/-v count) to a threshold.</summary>
    public static LogLevel FromSshLevel(string? level, int verbosity, bool quiet)
    {
        if (quiet) return LogLevel.None;
        if (verbosity > 0) return LogLevel.Debug;
        return level?.ToUpperInvariant() switch
        {
            "QUIET" or "SILENT" => LogLevel.None,
            "FATAL" => LogLevel.Critical,
            "ERROR" => LogLevel.Error,
            "VERBOSE" => LogLevel.Information,
            "DEBUG" or "DEBUG1" or "DEBUG2" or "DEBUG3" => LogLevel.Debug,
            _ => LogLevel.Information,
        };
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= Minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        string text = formatter(state, exception);
        if (logLevel <= LogLevel.Debug) text = "debug1: " + text;
        Write(text);
    }

    public void Error(string text)
    {
        if (IsEnabled(LogLevel.Error)) Write(text);
    }

    /// <summary>Fatal lines are shown unless LogLevel is QUIET (ssh's fatal() is suppressed only by -q).</summary>
    public void Fatal(string text)
    {
        if (Minimum != LogLevel.None) Write(text);
    }

    public void Info(string text)
    {
        if (IsEnabled(LogLevel.Information)) Write(text);
    }

    /// <summary>ssh's verbose() level: shown at LogLevel VERBOSE or -v, without a prefix.</summary>
    public void Verbose(string text)
    {
        if (_verbose) Write(text);
    }

    public void Debug(string text)
    {
        if (IsEnabled(LogLevel.Debug)) Write("debug1: " + text);
    }

    private void Write(string text)
    {
        lock (_lock)
        {
            // ssh's log lines on stderr always end in CR LF (log.c). Peer-supplied text (banners, channel-open failure
            // descriptions, version strings) must not reach the terminal with control characters: they become '?'.
            _writer.Write(PeerText.Sanitize(text, keep: "\n\t"));
            _writer.Write("\r\n");
            _writer.Flush();
        }
    }
}
