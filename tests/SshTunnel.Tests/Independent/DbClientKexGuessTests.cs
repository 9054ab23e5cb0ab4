using System.Globalization;
using System.Security.Cryptography;
using SshTunnel.Tests.Gateway;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Tests.Interop;
using static SshTunnel.Tests.Interop.ForwardingTestKit;

namespace SshTunnel.Tests.Independent;

/// <summary>
/// Dropbear's client sends its KEXDH_INIT with its KEXINIT (first_kex_packet_follows, RFC 4253 §7). When the
/// gateway's preferred kex differs from dbclient's (curve25519-sha256), the guess is wrong even though the
/// negotiation still picks curve25519: dbclient sends KEXDH_INIT again and sshtunneld must have skipped the guessed
/// one (it used to answer it, then fail on the second).
/// </summary>
[Trait("Category", "Interop")]
public sealed class DbClientKexGuessTests
{
    [DbClientFact]
    public async Task WrongGuess_GuessedPacketIsSkipped()
    {
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(configLines: ["KexAlgorithms ecdh-sha2-nistp256,curve25519-sha256"]);
        await using LoopbackServer echo = LoopbackServer.Echo();
        string home = Path.Combine(gateway.Directory, "home");
        Directory.CreateDirectory(Path.Combine(home, ".ssh"));
        string hostKey = string.Join(' ', File.ReadAllText(Path.Combine(gateway.StateDirectory, "ssh_host_ed25519_key.pub")).Split(' ').Take(2));
        await File.WriteAllTextAsync(Path.Combine(home, ".ssh", "known_hosts"), "127.0.0.1 " + hostKey + "\n");
        string key = Path.Combine(home, "id_dropbear");
        IndependentTools.RunChecked(IndependentTools.DropbearConvert, "openssh", "dropbear", gateway.KeyPath, key);
        int local = ClosedPort();
        string target = "127.0.0.1:" + echo.Port.ToString(CultureInfo.InvariantCulture);
        await using var client = new ChildProcess(IndependentTools.DbClient,
            ["-N", "-i", key, "-p", gateway.Port.ToString(CultureInfo.InvariantCulture), "-L", $"127.0.0.1:{local}:{target}", "-R", $"127.0.0.1:0:{target}", "alice@127.0.0.1"],
            new Dictionary<string, string> { ["HOME"] = home });
        try
        {
            // -L is bound before the -R request is sent (see GatewayIndependentClientsTests).
            await client.WaitForStderrAsync("Allocated port ", TimeSpan.FromSeconds(30));
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\ngateway: {gateway.Process.Stderr}");
        }
        byte[] data = RandomNumberGenerator.GetBytes(64 * 1024);
        byte[] back = await ExchangeAsync(local, data).WithTimeout();
        Assert.True(data.AsSpan().SequenceEqual(back), $"{back.Length} bytes came back");
        Assert.Empty(echo.Errors);
    }
}
