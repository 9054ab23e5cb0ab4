namespace SshTunnel.Client;

/// <summary>
/// The delay before reconnection attempt n (1-based): <c>min(MaxDelay, InitialDelay × Multiplier^(n−1))</c>, reduced by
/// up to <see cref="ReconnectOptions.Jitter"/> of itself at random. Never above MaxDelay, never below
/// <c>InitialDelay × (1 − Jitter)</c>.
/// </summary>
internal sealed class ReconnectBackoff
{
    private readonly ReconnectOptions _options;
    private readonly Func<double> _random;

    /// <param name="options">Validated options.</param>
    /// <param name="random">Uniform numbers in [0, 1); null: <see cref="Random.Shared"/>.</param>
    public ReconnectBackoff(ReconnectOptions options, Func<double>? random = null)
    {
        _options = options;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The delay before attempt <paramref name="attempt"/> (1 for the first attempt after a loss).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempt"/> is below 1.</exception>
    public TimeSpan DelayBefore(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        double max = _options.MaxDelay.TotalMilliseconds;
        // Math.Pow overflows to +Infinity for large attempts; Math.Min then caps it.
        double delay = Math.Min(max, _options.InitialDelay.TotalMilliseconds * Math.Pow(_options.Multiplier, attempt - 1));
        double u = Math.Clamp(_random(), 0.0, 1.0);
        delay *= 1.0 - (_options.Jitter * u);
        return TimeSpan.FromMilliseconds(Math.Clamp(delay, 1.0, max));
    }
}
