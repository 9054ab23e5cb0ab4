namespace SshTunnel.Client;

/// <summary>
/// How a <see cref="ReconnectingSshClient"/> detects a lost connection and reconnects: keepalive (ssh_config
/// ServerAliveInterval / ServerAliveCountMax), exponential backoff with jitter, an optional attempt limit, and how long a
/// new local connection waits for the session while it is being re-established. OpenSSH has no equivalent (people
/// run autossh); every default here is conservative.
/// </summary>
public sealed class ReconnectOptions
{
    /// <summary>Delay before the first reconnection attempt after a loss. Default 1 second; must be positive.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the delay between attempts (sshtunnel's ReconnectMaxDelay). Default 60 seconds; at least <see cref="InitialDelay"/>.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Factor applied to the delay after each failed attempt. Default 2; at least 1.</summary>
    public double Multiplier { get; init; } = 2.0;

    /// <summary>
    /// Jitter as a fraction of the delay, 0 to 1: each delay is drawn uniformly from <c>[d × (1 − Jitter), d]</c>, so
    /// it never exceeds <see cref="MaxDelay"/> and many clients of one server do not reconnect in lockstep. Default 0.2.
    /// </summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>
    /// Attempts per outage before giving up (the count starts again after each successful reconnection);
    /// <see langword="null"/> (the default) retries forever.
    /// </summary>
    public int? MaxAttempts { get; init; }

    /// <summary>
    /// Limit for each reconnection attempt's TCP connect and key exchange when <see cref="SshClientOptions.ConnectTimeout"/>
    /// is not set, so that a server that accepts but never answers cannot stall the loop. Default 30 seconds.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// ServerAliveInterval: send keepalive@openssh.com after this much silence from the server; <see langword="null"/>
    /// (the default) sends none, so only a closed transport is noticed.
    /// </summary>
    public TimeSpan? ServerAliveInterval { get; init; }

    /// <summary>ServerAliveCountMax: unanswered keepalives before the connection counts as lost. Default 3.</summary>
    public int ServerAliveCountMax { get; init; } = 3;

    /// <summary>
    /// How long a connection accepted by a local (-L) or dynamic (-D) listener while the session is down waits for the
    /// session to come back before it is closed (a SOCKS client gets a failure reply). Default 10 seconds;
    /// <see cref="TimeSpan.Zero"/> closes such connections at once.
    /// </summary>
    public TimeSpan PendingConnectionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <exception cref="ArgumentOutOfRangeException">A value is out of its documented range.</exception>
    internal void Validate()
    {
        if (InitialDelay <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(InitialDelay), InitialDelay, "InitialDelay must be positive.");
        if (MaxDelay < InitialDelay) throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, "MaxDelay must be at least InitialDelay.");
        if (!(Multiplier >= 1.0) || double.IsInfinity(Multiplier)) throw new ArgumentOutOfRangeException(nameof(Multiplier), Multiplier, "Multiplier must be a finite number of at least 1.");
        if (!(Jitter >= 0.0 && Jitter <= 1.0)) throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, "Jitter must be between 0 and 1.");
        if (MaxAttempts is <= 0) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "MaxAttempts must be positive (null: no limit).");
        if (AttemptTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), AttemptTimeout, "AttemptTimeout must be positive.");
        if (ServerAliveInterval is { } interval && interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ServerAliveInterval), interval, "ServerAliveInterval must be positive (null: no keepalive).");
        if (ServerAliveCountMax < 0) throw new ArgumentOutOfRangeException(nameof(ServerAliveCountMax), ServerAliveCountMax, "ServerAliveCountMax must not be negative.");
        if (PendingConnectionTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(PendingConnectionTimeout), PendingConnectionTimeout, "PendingConnectionTimeout must not be negative.");
    }
}
