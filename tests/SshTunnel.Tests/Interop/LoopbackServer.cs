using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace SshTunnel.Tests.Interop;

/// <summary>
/// A TCP server on 127.0.0.1 (ephemeral port) that runs <c>handler</c> for every accepted connection: the target
/// that sshd connects to for direct-tcpip. Handler failures are collected in <see cref="Errors"/>.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private readonly List<Exception> _errors = [];

    public LoopbackServer(Func<Socket, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(backlog: 128);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted { get; private set; }

    public IReadOnlyList<Exception> Errors
    {
        get
        {
            lock (_errors) return [.. _errors];
        }
    }

    /// <summary>An echo server: copies what it reads back, and half-closes after the client's EOF.</summary>
    public static LoopbackServer Echo() => new(EchoAsync);

    public static async Task EchoAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (n == 0) break;
                int sent = 0;
                while (sent < n) sent += await socket.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, cancellationToken);
            }
            socket.Shutdown(SocketShutdown.Send);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads until the peer's EOF; returns everything read.</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream();
        byte[] buffer = new byte[16 * 1024];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (n == 0) return data.ToArray();
            data.Write(buffer, 0, n);
        }
    }

    public static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int n = await socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[n..];
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
            socket.NoDelay = true;
            lock (_connections)
            {
                Accepted++;
                _connections.Add(RunAsync(socket));
            }
        }
    }

    private async Task RunAsync(Socket socket)
    {
        await Task.Yield();
        try
        {
            await _handler(socket, _stop.Token);
        }
        catch (Exception e) when (!_stop.IsCancellationRequested)
        {
            lock (_errors) _errors.Add(e);
        }
        catch
        {
            // stopping
        }
        finally
        {
            socket.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        Task[] pending;
        lock (_connections) pending = [.. _connections];
        try
        {
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch
        {
            // handlers end with the cancellation; failures were recorded
        }
        _stop.Dispose();
    }
}
