namespace SshTunnel.Cli.Arguments;

/// <summary>The <c>-W host:port</c> (or <c>-W /path</c>) target. <see cref="Host"/> is <see langword="null"/> for
/// OpenSSH's odd but accepted <c>-W port</c>.</summary>
internal sealed record SshStdioForward(string? Host, int Port, string? Path);
