namespace SshTunnel.Cli.Arguments;

/// <summary>OpenSSH's LogLevel names (log.c), case-insensitive; printed as <c>ssh -G</c> does.</summary>
internal static class SshLogLevels
{
    /// <summary>Levels in increasing verbosity, as printed.</summary>
    public static readonly string[] Ordered = ["QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG2", "DEBUG3"];

    /// <summary>Returns the printed name for a LogLevel value, or <see langword="null"/> if unknown.</summary>
    public static string? Normalize(string? value) => value?.ToUpperInvariant() switch
    {
        "QUIET" => "QUIET",
        "FATAL" => "FATAL",
        "ERROR" => "ERROR",
        "INFO" => "INFO",
        "VERBOSE" => "VERBOSE",
        "DEBUG" or "DEBUG1" => "DEBUG",
        "DEBUG2" => "DEBUG2",
        "DEBUG3" => "DEBUG3",
        _ => null,
    };
}
