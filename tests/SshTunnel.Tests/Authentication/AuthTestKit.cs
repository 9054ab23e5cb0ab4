using System.Security.Cryptography;
using SshTunnel.Authentication;
using SshTunnel.Keys;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Authentication;

/// <summary>Keys, packet helpers and a client/server runner for the authentication tests.</summary>
internal static class AuthTestKit
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly Lazy<RsaPrivateKey> Rsa = new(() => RsaPrivateKey.Generate(2048));

    public static SshPrivateKey CreateKey(string type) => type switch
    {
        "ssh-ed25519" => Ed25519PrivateKey.Generate(),
        "ecdsa-sha2-nistp256" => EcdsaPrivateKey.Generate(ECCurve.NamedCurves.nistP256),
        "ecdsa-sha2-nistp384" => EcdsaPrivateKey.Generate(ECCurve.NamedCurves.nistP384),
        "ecdsa-sha2-nistp521" => EcdsaPrivateKey.Generate(ECCurve.NamedCurves.nistP521),
        "ssh-rsa" => Rsa.Value, // generated once: RSA generation is slow
        _ => throw new ArgumentException(type),
    };

    public delegate void WriteAction(ref SshWriter writer);

    public static async Task SendAsync(PacketPipe pipe, WriteAction write)
    {
        var writer = new SshWriter(64);
        write(ref writer);
        await pipe.SendAsync(writer.ToPacket());
    }

    public static Task SendRawAsync(PacketPipe pipe, byte[] payload) => pipe.SendAsync(Packet.Copy(payload)).AsTask();

    public static async Task<byte[]> ReceiveAsync(PacketPipe pipe)
    {
        using Packet packet = await pipe.ReceiveAsync().AsTask().WaitAsync(Timeout);
        return packet.Payload.ToArray();
    }

    public static ClientAuthenticationOptions ClientOptions(params SshPrivateKey[] keys) => new()
    {
        UserName = "alice",
        Host = "gw.example",
        IdentityAgent = "none",
        Identities = [.. keys.Select(k => new ClientIdentity(k))],
    };

    public sealed record RunResult(Exception? ClientError, ServerAuthenticationResult? Server, Exception? ServerError, PacketPipe ClientPipe, PacketPipe ServerPipe);

    /// <summary>Runs our client against our server over a packet pipe; both sides finish (or fail) within the timeout.</summary>
    public static async Task<RunResult> RunAsync(ClientAuthenticationOptions client, ServerAuthenticationOptions server, Action<PacketPipe>? configureClientPipe = null)
    {
        (PacketPipe clientPipe, PacketPipe serverPipe) = PacketPipe.CreatePair();
        configureClientPipe?.Invoke(clientPipe);
        Task<ServerAuthenticationResult> serverTask = ServerAuthenticator.AuthenticateAsync(serverPipe, server, CancellationToken.None);
        Exception? clientError = null;
        try
        {
            await ClientAuthenticator.AuthenticateAsync(clientPipe, client, CancellationToken.None).WaitAsync(Timeout);
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            clientError = e;
            clientPipe.Abort(e); // the real client closes the connection after a failure
        }
        try
        {
            return new RunResult(clientError, await serverTask.WaitAsync(Timeout), null, clientPipe, serverPipe);
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            return new RunResult(clientError, null, e, clientPipe, serverPipe);
        }
    }
}

/// <summary>
/// A key that claims one public key but signs with another private key: what an attacker who knows an authorized
/// public key (but not its private key) can do.
/// </summary>
internal sealed class ForgingKey(SshPrivateKey claimed, SshPrivateKey signer) : SshPrivateKey
{
    public override SshPublicKey PublicKey => claimed.PublicKey;

    internal override ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => signer.SignAsync(signatureAlgorithm, data, cancellationToken);
}
