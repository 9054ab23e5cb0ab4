namespace SshTunnel.Daemon.Config;

/// <summary>
/// One error or warning found while reading sshd_config-style configuration. <see cref="Message"/> is the full text
/// as sshd prints it, e.g. <c>/etc/sshtunneld/sshd_config line 7: Badly formatted port number.</c>.
/// </summary>
/// <param name="File">The file name (<c>command-line</c> for <c>-o</c> options).</param>
/// <param name="Line">1-based line number (0 for <c>-o</c> options and whole-file problems).</param>
/// <param name="Message">Complete message, including the location prefix.</param>
public sealed record ConfigDiagnostic(string File, int Line, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => Message;
}
