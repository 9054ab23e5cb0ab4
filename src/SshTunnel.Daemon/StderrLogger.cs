using System.Globalization;
using Microsoft.Extensions.Logging;
using SshTunnel.Wire;

namespace SshTunnel.Daemon;

/// <summary>
/// A logger provider writing sshd-style lines to stderr (what systemd's journal collects): informational lines as
/// they are, others with sshd's prefixes ("fatal: ", "error: ", "debug1: ", "debug3: "). Thread-safe, one line per write
/// (control characters in the text become '?').
/// </summary>
internal sealed class StderrLoggerProvider(LogLevel minimumLevel, TextWriter? output = null) : ILoggerProvider
{
    private readonly TextWriter _output = output ?? Console.Error;
    private readonly object _lock = new();

    public LogLevel MinimumLevel { get; set; } = minimumLevel;

    public ILogger CreateLogger(string categoryName) => new StderrLogger(this);

    public void Dispose()
    {
    }

    internal void Write(LogLevel level, string message, Exception? exception)
    {
        string prefix = level switch
        {
            LogLevel.Critical => "fatal: ",
            LogLevel.Error => "error: ",
            LogLevel.Debug => "debug1: ",
            LogLevel.Trace => "debug3: ",
            _ => "",
        };
        string line = Sanitize(exception is null || level > LogLevel.Debug ? prefix + message : prefix + message + ": " + exception.Message);
        lock (_lock)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    /// <summary>
    /// The last line of defence for peer-controlled text (user names, hosts, request names, exception messages that
    /// quote them): control characters become '?', so one write is one line and no terminal escape reaches the log.
    /// </summary>
    internal static string Sanitize(string line)
    {
        return PeerText.Sanitize(line);
    }

    /// <summary>Maps sshd's LogLevel (and -d count) to a minimum level.</summary>
    public static LogLevel FromSshd(string logLevel, int debugFlags, bool quiet)
    {
        if (debugFlags >= 2) return LogLevel.Trace;
        if (debugFlags == 1) return LogLevel.Debug;
        if (quiet) return LogLevel.Error;
        return logLevel.ToUpperInvariant() switch
        {
            "QUIET" => LogLevel.None,
            "FATAL" => LogLevel.Critical,
            "ERROR" => LogLevel.Error,
            "DEBUG" or "DEBUG1" or "DEBUG2" => LogLevel.Debug,
            "DEBUG3" => LogLevel.Trace,
            _ => LogLevel.Information,
        };
    }

    private sealed class StderrLogger(StderrLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            provider.Write(logLevel, string.Format(CultureInfo.InvariantCulture, "{0}", formatter(state, exception)), exception);
        }
    }
}
