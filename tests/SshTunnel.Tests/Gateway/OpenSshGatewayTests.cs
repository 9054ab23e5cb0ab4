using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SshTunnel.Tests.Server;

namespace SshTunnel.Tests.Gateway;

/// <summary>OpenSSH's ssh against the sshtunneld executable on 127.0.0.1 (skipped without /usr/bin/ssh).</summary>
public sealed class OpenSshGatewayTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    internal static async Task EchoThroughAsync(int port, int length)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
        await using var stream = new NetworkStream(socket);
        byte[] sent = new byte[length];
        Random.Shared.NextBytes(sent);
        Task write = Task.Run(async () =>
        {
            await stream.WriteAsync(sent);
            socket.Shutdown(SocketShutdown.Send);
        });
        var received = new MemoryStream();
        await stream.CopyToAsync(received).WaitAsync(Timeout);
        await write.WaitAsync(Timeout);
        Assert.Equal(sent, received.ToArray());
    }

    [OpenSshClientFact]
    public async Task LocalForward_DataThroughTunnel_AndHostKeyGenerated()
    {
        await using var echo = new EchoServer();
        await using GatewayProcess gateway = await GatewayProcess.StartAsync();
        int localPort = GatewayProcess.FreePort();
        await using ChildProcess ssh = gateway.StartSsh("-v", "-N", "-o", "ExitOnForwardFailure=yes", "-L", $"127.0.0.1:{localPort}:127.0.0.1:{echo.Port}");
        await ssh.WaitForStderrAsync($"Local forwarding listening on 127.0.0.1 port {localPort}");
        await EchoThroughAsync(localPort, 200_000);
        string closed = await gateway.Process.WaitForStderrAsync("Forward closed for user alice");
        Assert.Contains("200000 bytes to target, 200000 bytes from target", closed);
        await gateway.Process.WaitForStderrAsync("Accepted publickey for alice from 127.0.0.1 port ");

        // The generated host key: mode 0600, readable by ssh-keygen, the fingerprint that was logged.
        string generated = await gateway.Process.WaitForStderrAsync("Generated host key ");
        string keyFile = Path.Combine(gateway.StateDirectory, "ssh_host_ed25519_key");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        string fingerprint = GatewayProcess.RunTool(GatewayProcess.SshKeygen, "-l", "-f", keyFile).Split(' ')[1];
        Assert.EndsWith(fingerprint, generated);
        Assert.Contains(fingerprint, ssh.Stderr); // what ssh saw during key exchange
    }

    [OpenSshClientFact]
    public async Task NewUser_AuthorizedKeysFileDotSlash_IsTheWorkingDirectorysFile()
    {
        // The issue's walk-through: `sshtunneld -D -e -p 2222 -o AuthorizedKeysFile=./keys` then a stock `ssh -N -L`.
        await using var echo = new EchoServer();
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(keysFromWorkingDirectory: true);
        int localPort = GatewayProcess.FreePort();
        await using ChildProcess ssh = gateway.StartSsh("-v", "-N", "-o", "ExitOnForwardFailure=yes", "-L", $"127.0.0.1:{localPort}:127.0.0.1:{echo.Port}");
        await ssh.WaitForStderrAsync($"Local forwarding listening on 127.0.0.1 port {localPort}");
        await EchoThroughAsync(localPort, 10_000);
        await gateway.Process.WaitForStderrAsync("Accepted publickey for alice from 127.0.0.1 port ");
    }

    [OpenSshClientFact]
    public async Task NoCommonHostKeyAlgorithm_BothSidesSayUnableToNegotiate_AsOpenSsh()
    {
        await using GatewayProcess gateway = await GatewayProcess.StartAsync();
        await using ChildProcess ssh = gateway.StartSsh("-N", "-o", "HostKeyAlgorithms=rsa-sha2-512");
        Assert.Equal(255, await ssh.WaitForExitAsync());
        Assert.Contains($"Unable to negotiate with 127.0.0.1 port {gateway.Port}: no matching host key type found. Their offer: ssh-ed25519", ssh.Stderr);
        string line = await gateway.Process.WaitForStderrAsync("Unable to negotiate with 127.0.0.1 port ");
        Assert.EndsWith(": no matching host key type found. Their offer: rsa-sha2-512 [preauth]", line);
    }

    [OpenSshClientFact]
    public async Task RemoteForward_Port0_AllocatedPortCarriesData()
    {
        await using var echo = new EchoServer();
        await using GatewayProcess gateway = await GatewayProcess.StartAsync();
        await using ChildProcess ssh = gateway.StartSsh("-v", "-N", "-o", "ExitOnForwardFailure=yes", "-R", $"0:127.0.0.1:{echo.Port}");
        string allocated = await ssh.WaitForStderrAsync("Allocated port ");
        int port = int.Parse(Regex.Match(allocated, @"Allocated port (\d+)").Groups[1].Value);
        await EchoThroughAsync(port, 100_000);
        await gateway.Process.WaitForStderrAsync("bytes to originator");
    }

    [OpenSshClientFact]
    public async Task WithoutN_SessionRefused_WithMessage_ExitStatus1()
    {
        await using GatewayProcess gateway = await GatewayProcess.StartAsync();
        await using ChildProcess ssh = gateway.StartSshCommand("true");
        int status = await ssh.WaitForExitAsync();
        Assert.True(status == 1, $"ssh exit {status}; ssh: {ssh.Stderr}\ngateway: {gateway.Process.Stderr}");
        Assert.Contains("this gateway only forwards; use -N", ssh.Stderr);
    }

    [OpenSshClientFact]
    public async Task AuthorizedKeysPermitOpen_RefusesOtherTarget_AdministrativelyProhibited()
    {
        await using var echo = new EchoServer();
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(keyOptions: "permitopen=\"127.0.0.1:1\"");
        int localPort = GatewayProcess.FreePort();
        await using ChildProcess ssh = gateway.StartSsh("-v", "-N", "-L", $"127.0.0.1:{localPort}:127.0.0.1:{echo.Port}");
        await ssh.WaitForStderrAsync($"Local forwarding listening on 127.0.0.1 port {localPort}");
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, localPort);
            byte[] buffer = new byte[16];
            try
            {
                Assert.Equal(0, await socket.ReceiveAsync(buffer).WaitAsync(Timeout));
            }
            catch (SocketException)
            {
                // reset: also refused
            }
        }
        await ssh.WaitForStderrAsync("administratively prohibited");
        await gateway.Process.WaitForStderrAsync($"to connect to host 127.0.0.1 port {echo.Port}, but the request was denied.");
    }

    [OpenSshClientFact]
    public async Task PermitListen_RefusesRemoteForward_ClientReportsFailure()
    {
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(configLines: ["PermitListen localhost:1"]);
        int port = GatewayProcess.FreePort();
        await using ChildProcess ssh = gateway.StartSsh("-N", "-o", "ExitOnForwardFailure=yes", "-R", $"{port}:127.0.0.1:9");
        Assert.Equal(255, await ssh.WaitForExitAsync());
        Assert.Contains($"remote port forwarding failed for listen port {port}", ssh.Stderr);
        await gateway.Process.WaitForStderrAsync($"to remote forward to host localhost port {port}, but the request was denied.");
    }

    [OpenSshClientFact]
    public async Task AllowTcpForwardingNo_LocalForwardRefused()
    {
        await using var echo = new EchoServer();
        await using GatewayProcess gateway = await GatewayProcess.StartAsync(configLines: ["AllowTcpForwarding no"]);
        int localPort = GatewayProcess.FreePort();
        await using ChildProcess ssh = gateway.StartSsh("-v", "-N", "-L", $"127.0.0.1:{localPort}:127.0.0.1:{echo.Port}");
        await ssh.WaitForStderrAsync($"Local forwarding listening on 127.0.0.1 port {localPort}");
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, localPort);
            await ssh.WaitForStderrAsync("administratively prohibited");
        }
        await gateway.Process.WaitForStderrAsync("refused local port forward: originator 127.0.0.1 port ");
    }

    [OpenSshClientFact]
    public async Task Sigterm_StopsCleanly_Exit0()
    {
        await using GatewayProcess gateway = await GatewayProcess.StartAsync();
        gateway.Process.Signal(15);
        Assert.Equal(0, await gateway.Process.WaitForExitAsync());
        Assert.Contains("Received signal 15; terminating.", gateway.Process.Stderr);
    }

    [OpenSshClientFact]
    public async Task Sighup_RereadsConfiguration_ForNewConnections()
    {
        await using var echo = new EchoServer();
        await using GatewayProcess gateway = await GatewayProcess.StartAsync();
        File.AppendAllLines(Path.Combine(gateway.Directory, "sshtunneld_config"), ["AllowTcpForwarding no"]);
        gateway.Process.Signal(1);
        await gateway.Process.WaitForStderrAsync("Received SIGHUP; re-reading configuration.");
        await gateway.Process.WaitForStderrAsync("Configuration reloaded; new connections use it.");
        int localPort = GatewayProcess.FreePort();
        await using ChildProcess ssh = gateway.StartSsh("-v", "-N", "-L", $"127.0.0.1:{localPort}:127.0.0.1:{echo.Port}");
        await ssh.WaitForStderrAsync($"Local forwarding listening on 127.0.0.1 port {localPort}");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, localPort);
        await ssh.WaitForStderrAsync("administratively prohibited");
    }
}

/// <summary>sshtunneld's command line: -t, -T and errors.</summary>
public sealed class DaemonCommandLineTests
{
    [Fact]
    public async Task TestMode_BadConfig_Exit1_WithLine()
    {
        string directory = GatewayProcess.NewDirectory();
        string config = Path.Combine(directory, "bad.conf");
        File.WriteAllLines(config, ["# comment", "Port 2222", "GatewayPorts sometimes"]);
        (int status, _, string stderr) = await GatewayProcess.RunAsync("-t", "-f", config);
        Assert.Equal(1, status);
        Assert.Contains($"{config} line 3", stderr);
        Directory.Delete(directory, true);
    }

    [Fact]
    public async Task TestMode_GoodConfig_Exit0_AndDumpWithOverride()
    {
        string directory = GatewayProcess.NewDirectory();
        string config = Path.Combine(directory, "good.conf");
        File.WriteAllLines(config, ["GatewayPorts clientspecified", "AllowTcpForwarding local"]);
        Assert.Equal(0, (await GatewayProcess.RunAsync("-t", "-f", config)).Status);
        (int status, string stdout, _) = await GatewayProcess.RunAsync("-T", "-f", config, "-o", "AllowTcpForwarding=remote", "-p", "2200");
        Assert.Equal(0, status);
        Assert.Contains("gatewayports clientspecified\n", stdout);
        Assert.Contains("allowtcpforwarding remote\n", stdout);
        Assert.Contains("port 2200\n", stdout);
        Directory.Delete(directory, true);
    }

    [Fact]
    public async Task TestMode_UnreadableHostKey_Exit1()
    {
        string directory = GatewayProcess.NewDirectory();
        string config = Path.Combine(directory, "c.conf");
        File.WriteAllText(Path.Combine(directory, "junk_key"), "not a key\n");
        File.WriteAllLines(config, [$"HostKey {directory}/junk_key"]);
        (int status, _, string stderr) = await GatewayProcess.RunAsync("-t", "-f", config);
        Assert.Equal(1, status);
        Assert.Contains("Unable to load host key", stderr);
        Directory.Delete(directory, true);
    }

    [Fact]
    public async Task UnknownOption_Exit1_WithUsage()
    {
        (int status, _, string stderr) = await GatewayProcess.RunAsync("-Z");
        Assert.Equal(1, status);
        Assert.Contains("usage: sshtunneld", stderr);
    }
}
