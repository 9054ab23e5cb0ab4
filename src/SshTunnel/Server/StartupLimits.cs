namespace SshTunnel.Server;

/// <summary>
/// sshd's MaxStartups <c>start:rate:full</c>: with <see cref="Start"/> or more connections not yet authenticated, a
/// new connection is dropped with probability <see cref="Rate"/>% rising linearly to 100% at <see cref="Full"/>.
/// </summary>
/// <param name="Start">Unauthenticated connections before random early drop begins.</param>
/// <param name="Rate">Drop probability in percent at <paramref name="Start"/> (0-100).</param>
/// <param name="Full">Unauthenticated connections at which every new connection is dropped.</param>
public readonly record struct StartupLimits(int Start, int Rate, int Full)
{
    /// <summary>sshd's default, 10:30:100.</summary>
    public static StartupLimits Default => new(10, 30, 100);
}
