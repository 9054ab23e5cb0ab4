using SshTunnel.Keys;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Transport;

namespace SshTunnel.Tests.Transport;

/// <summary>Creates a client and a server <see cref="TransportConnection"/> connected in memory.</summary>
internal static class TransportPair
{
    public static async Task<(TransportConnection Client, TransportConnection Server)> CreateAsync(
        TransportSettings? client = null, TransportSettings? server = null, Stream? clientStream = null, Stream? serverStream = null)
    {
        if (clientStream is null || serverStream is null)
        {
            var (a, b) = InMemoryDuplexStream.CreatePair();
            clientStream ??= a;
            serverStream ??= b;
        }
        server ??= new TransportSettings { IsServer = true, HostKeys = [Ed25519PrivateKey.Generate()] };
        client ??= new TransportSettings { VerifyHostKeyAsync = (_, _) => ValueTask.FromResult(true) };
        Task<TransportConnection> serverTask = TransportConnection.EstablishAsync(serverStream, server);
        Task<TransportConnection> clientTask = TransportConnection.EstablishAsync(clientStream, client);
        try
        {
            await Task.WhenAll(serverTask, clientTask).WithTimeout();
        }
        catch
        {
            if (serverTask.IsCompletedSuccessfully) await serverTask.Result.DisposeAsync();
            if (clientTask.IsCompletedSuccessfully) await clientTask.Result.DisposeAsync();
            if (clientTask.IsFaulted) await clientTask; // report the client's view first
            throw;
        }
        return (clientTask.Result, serverTask.Result);
    }
}
