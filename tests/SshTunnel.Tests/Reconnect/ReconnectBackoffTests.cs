using System.Reflection;
using SshTunnel.Authentication;
using SshTunnel.Client;

namespace SshTunnel.Tests.Reconnect;

/// <summary>The backoff schedule (exponential, capped, jitter only ever shortens), option validation, and the options copy.</summary>
public sealed class ReconnectBackoffTests
{
    private static ReconnectOptions Options(double jitter = 0.2) => new()
    {
        InitialDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(60),
        Multiplier = 2,
        Jitter = jitter,
    };

    [Fact]
    public void WithoutJitter_DelaysDoubleUpToTheCap()
    {
        var backoff = new ReconnectBackoff(Options(jitter: 0.2), random: () => 0.0);
        double[] seconds = [.. Enumerable.Range(1, 9).Select(n => backoff.DelayBefore(n).TotalSeconds)];
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], seconds);
    }

    [Fact]
    public void JitterShortensByAtMostItsFraction_AndNeverExceedsTheCap()
    {
        var backoff = new ReconnectBackoff(Options(jitter: 0.2), random: () => 0.999999);
        Assert.InRange(backoff.DelayBefore(1).TotalSeconds, 0.8, 0.80001);
        Assert.InRange(backoff.DelayBefore(7).TotalSeconds, 48, 48.0001);
        var random = new Random(1234);
        var real = new ReconnectBackoff(Options(jitter: 0.5), random.NextDouble);
        for (int attempt = 1; attempt <= 200; attempt++)
        {
            TimeSpan nominal = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, attempt - 1)));
            Assert.InRange(real.DelayBefore(attempt), nominal * 0.5, nominal);
        }
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(int.MaxValue)]
    public void HugeAttemptNumbers_StayAtTheCap(int attempt)
    {
        var backoff = new ReconnectBackoff(Options(jitter: 0), random: () => 0.5);
        Assert.Equal(TimeSpan.FromSeconds(60), backoff.DelayBefore(attempt));
    }

    [Fact]
    public void AttemptZero_IsRejected()
    {
        var backoff = new ReconnectBackoff(Options());
        Assert.Throws<ArgumentOutOfRangeException>(() => backoff.DelayBefore(0));
    }

    public static TheoryData<string, ReconnectOptions> InvalidOptions => new()
    {
        { "InitialDelay", new ReconnectOptions { InitialDelay = TimeSpan.Zero } },
        { "MaxDelay", new ReconnectOptions { InitialDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(1) } },
        { "Multiplier", new ReconnectOptions { Multiplier = 0.5 } },
        { "Multiplier", new ReconnectOptions { Multiplier = double.NaN } },
        { "Multiplier", new ReconnectOptions { Multiplier = double.PositiveInfinity } },
        { "Jitter", new ReconnectOptions { Jitter = -0.1 } },
        { "Jitter", new ReconnectOptions { Jitter = 1.5 } },
        { "MaxAttempts", new ReconnectOptions { MaxAttempts = 0 } },
        { "AttemptTimeout", new ReconnectOptions { AttemptTimeout = TimeSpan.FromSeconds(-1) } },
        { "ServerAliveInterval", new ReconnectOptions { ServerAliveInterval = TimeSpan.Zero } },
        { "ServerAliveCountMax", new ReconnectOptions { ServerAliveCountMax = -1 } },
        { "PendingConnectionTimeout", new ReconnectOptions { PendingConnectionTimeout = TimeSpan.FromSeconds(-1) } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task OutOfRangeOptions_AreRejectedBeforeConnecting(string parameter, ReconnectOptions options)
    {
        var client = new SshClientOptions
        {
            Host = "127.0.0.1",
            Port = 9, // never reached
            Authentication = new ClientAuthenticationOptions { UserName = "u", Host = "127.0.0.1" },
            VerifyHostKeyAsync = (_, _) => ValueTask.FromResult(false),
        };
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ReconnectingSshClient.ConnectAsync(client, options));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void OptionsCopy_KeepsEveryProperty_ButTheHostKeyCheckAndTimeout()
    {
        PropertyInfo[] properties = typeof(SshClientOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var original = new SshClientOptions
        {
            Host = "h",
            Port = 2022,
            HostKeyAlias = "alias",
            Authentication = new ClientAuthenticationOptions { UserName = "u", Host = "h" },
            VerifyHostKeyAsync = (_, _) => ValueTask.FromResult(true),
            ConnectTimeout = TimeSpan.FromSeconds(3),
            AddressFamily = System.Net.Sockets.AddressFamily.InterNetworkV6,
            KexAlgorithms = ["k"],
            HostKeyAlgorithms = ["hk"],
            Ciphers = ["c"],
            Macs = ["m"],
            Compression = true,
            RekeyBytes = 12345,
            RekeyInterval = TimeSpan.FromMinutes(7),
            ReceiveWindowSize = 3 * 1024 * 1024,
            ConnectCallback = _ => ValueTask.FromResult<Stream>(Stream.Null),
            Logger = new SshTunnel.Tests.Server.ListLogger(),
        };
        // A property added to SshClientOptions must be set above (and copied by ReconnectClientOptions).
        foreach (PropertyInfo p in properties)
        {
            object? value = p.GetValue(original);
            Assert.True(value is not null && !value.Equals(p.PropertyType.IsValueType ? Activator.CreateInstance(p.PropertyType) : null), $"set {p.Name} in this test");
        }
        Func<SshTunnel.Client.HostKeyContext, CancellationToken, ValueTask<bool>> verify = (_, _) => ValueTask.FromResult(false);
        SshClientOptions copy = ReconnectClientOptions.Copy(original, verify, TimeSpan.FromSeconds(9));
        foreach (PropertyInfo p in properties)
        {
            object? expected = p.Name switch
            {
                nameof(SshClientOptions.VerifyHostKeyAsync) => verify,
                nameof(SshClientOptions.ConnectTimeout) => TimeSpan.FromSeconds(9),
                _ => p.GetValue(original),
            };
            Assert.True(Equals(expected, p.GetValue(copy)), $"{p.Name} not copied");
        }
    }
}
