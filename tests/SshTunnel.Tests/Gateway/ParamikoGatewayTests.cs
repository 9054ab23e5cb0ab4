using SshTunnel.Tests.Server;

namespace SshTunnel.Tests.Gateway;

/// <summary>
/// paramiko (an independent SSH implementation; Debian package python3-paramiko) against sshtunneld: a direct-tcpip
/// channel (-L) and a tcpip-forward with port 0 (-R). Skipped when /usr/bin/python3 cannot import paramiko.
/// </summary>
public sealed class ParamikoGatewayTests
{
    private const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> Available = new(() =>
    {
        if (!File.Exists(Python)) return false;
        try
        {
            GatewayProcess.RunTool(Python, "-c", "import paramiko");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    });

    private const string Script = """
        import socket, sys, threading, paramiko
        port, key, echo = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
        c = paramiko.SSHClient()
        c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        c.connect("127.0.0.1", port=port, username="alice", key_filename=key, allow_agent=False, look_for_keys=False, timeout=20)
        t = c.get_transport()
        ch = t.open_channel("direct-tcpip", ("127.0.0.1", echo), ("127.0.0.1", 5555), timeout=20)
        ch.sendall(b"local" * 1000); ch.shutdown_write()
        data = b""
        while True:
            d = ch.recv(65536)
            if not d: break
            data += d
        assert data == b"local" * 1000, len(data)
        print("direct-tcpip ok", flush=True)
        def handler(chan, origin, server):
            chan.sendall(b"hello from client"); chan.close()
        bound = t.request_port_forward("127.0.0.1", 0, handler=handler)
        s = socket.create_connection(("127.0.0.1", bound), timeout=20)
        got = b""
        while True:
            d = s.recv(1024)
            if not d: break
            got += d
        assert got == b"hello from client", got
        print("tcpip-forward ok", bound, flush=True)
        t.cancel_port_forward("127.0.0.1", bound)
        c.close()
        """;

    [Fact]
    public async Task Paramiko_DirectTcpip_And_TcpipForward()
    {
        if (!Available.Value || !GatewayProcess.HaveOpenSsh) return; // python3-paramiko not installed: nothing to check against
        await using var echo = new EchoServer();
        await using GatewayProcess gateway = await GatewayProcess.StartAsync();
        string script = Path.Combine(gateway.Directory, "client.py");
        File.WriteAllText(script, Script);
        await using var python = new ChildProcess(Python, [script, gateway.Port.ToString(), gateway.KeyPath, echo.Port.ToString()]);
        int status = await python.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(status == 0, $"paramiko failed ({status}): {python.Stderr}\n{python.Stdout}\ngateway: {gateway.Process.Stderr}");
        Assert.Contains("direct-tcpip ok", python.Stdout);
        Assert.Contains("tcpip-forward ok", python.Stdout);
        await gateway.Process.WaitForStderrAsync("cancelled by user alice");
    }
}
