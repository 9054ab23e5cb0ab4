namespace SshTunnel.Client;

/// <summary>Copies <see cref="SshClientOptions"/> with a different host key check and connect timeout (a test checks that every property is copied).</summary>
internal static class ReconnectClientOptions
{
    public static SshClientOptions Copy(SshClientOptions o, Func<HostKeyContext, CancellationToken, ValueTask<bool>> verifyHostKeyAsync, TimeSpan? connectTimeout) => new()
    {
        Host = o.Host,
        Port = o.Port,
        HostKeyAlias = o.HostKeyAlias,
        Authentication = o.Authentication,
        VerifyHostKeyAsync = verifyHostKeyAsync,
        ConnectTimeout = connectTimeout,
        AddressFamily = o.AddressFamily,
        KexAlgorithms = o.KexAlgorithms,
        HostKeyAlgorithms = o.HostKeyAlgorithms,
        Ciphers = o.Ciphers,
        Macs = o.Macs,
        Compression = o.Compression,
        RekeyBytes = o.RekeyBytes,
        RekeyInterval = o.RekeyInterval,
        ReceiveWindowSize = o.ReceiveWindowSize,
        ConnectCallback = o.ConnectCallback,
        Logger = o.Logger,
    };
}
