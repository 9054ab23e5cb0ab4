using SshTunnel.Errors;

namespace SshTunnel.Client;

/// <summary>A <see cref="ReconnectingSshClient"/> gave up after <see cref="ReconnectOptions.MaxAttempts"/> failed attempts.</summary>
public sealed class ReconnectFailedException : SshConnectionException
{
    /// <summary>Creates the exception; <paramref name="innerException"/> is the last attempt's failure.</summary>
    public ReconnectFailedException(string message, int attempts, Exception? innerException)
        : base(message, DisconnectReason.ConnectionLost, innerException) => Attempts = attempts;

    /// <summary>How many attempts were made in the outage.</summary>
    public int Attempts { get; }
}
