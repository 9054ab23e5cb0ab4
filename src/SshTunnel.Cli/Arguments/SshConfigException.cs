namespace SshTunnel.Cli.Arguments;

/// <summary>
/// A command line or ssh_config problem that stops ssh before it connects (OpenSSH exits with 255). The message is
/// OpenSSH's text; <see cref="Lines"/> holds every line to print to stderr, in order (earlier errors first).
/// </summary>
internal sealed class SshConfigException : Exception
{
    public SshConfigException()
        : this("invalid configuration")
    {
    }

    public SshConfigException(string message)
        : this([message], showUsage: false)
    {
    }

    public SshConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Lines = [message];
    }

    public SshConfigException(IReadOnlyList<string> lines, bool showUsage)
        : base(lines.Count > 0 ? lines[^1] : "invalid command line")
    {
        Lines = lines;
        ShowUsage = showUsage;
    }

    /// <summary>Every line to print to stderr, in order.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>
    /// Whether ssh writes these lines with plain fprintf (ending in LF: bad ports, forwarding specifications, cipher
    /// and MAC names on the command line) rather than through its log functions (error/fatal, ending in CR LF).
    /// </summary>
    public bool PlainText { get; init; }

    /// <summary>Whether ssh's usage text follows the lines.</summary>
    public bool ShowUsage { get; }

    /// <summary>The process exit code: always 255, as ssh.</summary>
    public int ExitCode => 255;
}
