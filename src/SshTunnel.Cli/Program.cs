using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SshTunnel.Authentication;
using SshTunnel.Cli.Arguments;
using SshTunnel.Client;
using SshTunnel.Errors;
using SshTunnel.Forwarding;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;

namespace SshTunnel.Cli;

/// <summary>
/// sshtunnel: OpenSSH's ssh command line for tunnels (-L, -N, -f, ...). Exit statuses follow ssh: 255 for any ssh-level
/// error, the remote command's status with a command, 0 when -N is stopped by SIGTERM.
/// </summary>
internal static class Program
{
    private const string Version = "SshTunnel_1.0";
    private static volatile int signalNumber;

    private static async Task<int> Main(string[] args)
    {
        // Run socket completions on the epoll thread instead of hopping to the thread pool (read by the runtime when the first socket is made, so it must come first; an explicit setting wins). Fine for this process, which has few sockets and whose continuations never block (see StreamPump); it saves a context switch per transport read.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null) Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        ClientInvocation invocation;
        ResolvedSshConfig config;
        try
        {
            invocation = OpenSshArguments.Parse(args);
            foreach (string warning in invocation.PlainWarnings) Console.Error.Write(warning + "\n");
            foreach (string warning in invocation.Warnings) Console.Error.Write(warning + "\r\n");
            if (invocation.ShowVersion)
            {
                Console.Error.WriteLine($"{Version}, .NET {Environment.Version}");
                return 0;
            }
            config = invocation.Resolve();
            foreach (string warning in config.Warnings) Console.Error.Write(warning + "\r\n");
        }
        catch (SshConfigException e)
        {
            // ssh's log functions end a line in CR LF; its plain fprintf messages in LF.
            foreach (string line in e.Lines) Console.Error.Write(line + (e.PlainText ? "\n" : "\r\n"));
            if (e.ShowUsage) Console.Error.Write(Usage.Text);
            return e.ExitCode;
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            return 255;
        }

        if (invocation.ConfigTest)
        {
            Console.Out.Write(config.Dump());
            return 0;
        }

        if (config.ForkAfterAuthentication && !Background.IsBackgroundCopy)
        {
            return Background.RunParent(args);
        }
        if (Background.IsBackgroundCopy) Background.Detach();

        TextWriter logWriter = invocation.LogFile is { } logFile ? new StreamWriter(logFile, append: true) { AutoFlush = true } : Console.Error;
        var logger = new ConsoleLogger(logWriter, ConsoleLogger.FromSshLevel(config.LogLevel, invocation.Verbosity, quiet: false),
            verbose: config.LogLevel.Equals("VERBOSE", StringComparison.OrdinalIgnoreCase));
        try
        {
            return await RunAsync(invocation, config, logger).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Last resort: ssh never shows a stack trace; it says what failed and exits 255.
            logger.Fatal(e.Message);
            return 255;
        }
        finally
        {
            if (!ReferenceEquals(logWriter, Console.Error)) await logWriter.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<int> RunAsync(ClientInvocation invocation, ResolvedSshConfig config, ConsoleLogger logger)
    {
        using var shutdown = new CancellationTokenSource();
        var signalExit = new StrongBox<int>(-1);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; signalExit.Value = 0; shutdown.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; signalNumber = 2; signalExit.Value = 255; shutdown.Cancel(); });
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx => { ctx.Cancel = true; signalNumber = 1; signalExit.Value = 255; shutdown.Cancel(); });

        bool hasCommand = invocation.Command.Count > 0 && config.SessionType != "none";
        if (config.Reconnect)
        {
            if (!hasCommand && invocation.StdioForward is null) return await RunReconnectingAsync(invocation, config, logger, signalExit, shutdown.Token).ConfigureAwait(false);
            // sshtunnel's Reconnect only applies to forward-only sessions (docs/RECONNECT.md); a command runs once, as with ssh.
            logger.Debug("Reconnect=yes ignored: it applies only to sessions without a command or -W (use -N)");
        }
        SshClient client;
        bool hostKeyUntrusted;
        var hops = new List<SshClient>();
        try
        {
            // -J a,b: each hop is reached through a direct-tcpip channel of the previous one, authenticated and
            // host-key-checked under its own name.
            SshClient? previous = null;
            foreach (SshDestination hop in config.JumpHosts)
            {
                ResolvedSshConfig hopConfig = ResolveJumpHost(invocation, hop);
                (SshClient hopClient, bool hopUntrusted) = await ClientConnector.ConnectAsync(hopConfig, logger, Via(previous, hopConfig), shutdown.Token).ConfigureAwait(false);
                hops.Add(hopClient);
                if (hopUntrusted) throw new SshHostKeyException("Host key verification failed.");
                previous = hopClient;
            }
            (client, hostKeyUntrusted) = await ClientConnector.ConnectAsync(config, logger, Via(previous, config), shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectFailure(e))
        {
            foreach (SshClient hop in hops) await hop.DisposeAsync().ConfigureAwait(false);
            return ReportConnectFailure(e, config, logger, shutdown.IsCancellationRequested);
        }

        try
        {
            return await RunSessionAsync(invocation, config, logger, client, hasCommand, hostKeyUntrusted, signalExit, shutdown.Token).ConfigureAwait(false);
        }
        finally
        {
            foreach (SshClient hop in Enumerable.Reverse(hops)) await hop.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static bool IsConnectFailure(Exception e) => e is OperationCanceledException or SshException or TimeoutException or IOException or SocketException or SshConfigException;

    /// <summary>Prints why connecting failed, as ssh does; returns 255.</summary>
    private static int ReportConnectFailure(Exception e, ResolvedSshConfig config, ConsoleLogger logger, bool shuttingDown)
    {
        if (e is OperationCanceledException && shuttingDown) return 255;
        if (e is SshConfigException configError)
        {
            foreach (string line in configError.Lines) logger.Fatal(line);
        }
        else
        {
            logger.Fatal(e is SshHostKeyException ? e.Message : DescribeConnectFailure(e, config));
        }
        return 255;
    }

    /// <summary>
    /// -o Reconnect=yes with -N (sshtunnel only, docs/RECONNECT.md): the forwards are held by a
    /// <see cref="ReconnectingSshClient"/>, which reconnects after a loss instead of exiting. Through ProxyJump, each
    /// attempt builds the hop chain again.
    /// </summary>
    private static async Task<int> RunReconnectingAsync(ClientInvocation invocation, ResolvedSshConfig config, ConsoleLogger logger, StrongBox<int> signalExit, CancellationToken shutdownToken)
    {
        var hops = new List<SshClient>();
        Func<CancellationToken, ValueTask<Stream>>? connect = null;
        if (config.JumpHosts.Count > 0)
        {
            // Attempts run one after the other, so the chain needs no lock.
            connect = async ct =>
            {
                await DisposeHopsAsync(hops).ConfigureAwait(false);
                SshClient? previous = null;
                foreach (SshDestination hop in config.JumpHosts)
                {
                    ResolvedSshConfig hopConfig = ResolveJumpHost(invocation, hop);
                    (SshClient hopClient, bool hopUntrusted) = await ClientConnector.ConnectAsync(hopConfig, logger, Via(previous, hopConfig), ct).ConfigureAwait(false);
                    hops.Add(hopClient);
                    if (hopUntrusted) throw new SshHostKeyException("Host key verification failed.");
                    previous = hopClient;
                }
                return await Via(previous, config)!(ct).ConfigureAwait(false);
            };
        }
        try
        {
            (SshClientOptions options, KnownHostsVerifier verifier) = ClientConnector.CreateOptions(config, logger, connect);
            var reconnect = new ReconnectOptions
            {
                MaxDelay = TimeSpan.FromSeconds(Math.Max(1, config.ReconnectMaxDelay ?? 60)),
                MaxAttempts = config.ReconnectMaxAttempts,
                ServerAliveInterval = config.ServerAliveInterval > 0 ? TimeSpan.FromSeconds(config.ServerAliveInterval) : null,
                ServerAliveCountMax = config.ServerAliveCountMax,
            };
            ReconnectingSshClient session;
            try
            {
                session = await ReconnectingSshClient.ConnectAsync(options, reconnect, shutdownToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectFailure(e))
            {
                return ReportConnectFailure(e, config, logger, shutdownToken.IsCancellationRequested);
            }
            return await RunReconnectingSessionAsync(config, logger, session, verifier.InteractiveAuthenticationDisabled, signalExit, shutdownToken).ConfigureAwait(false);
        }
        finally
        {
            await DisposeHopsAsync(hops).ConfigureAwait(false);
        }
    }

    private static async Task DisposeHopsAsync(List<SshClient> hops)
    {
        foreach (SshClient hop in Enumerable.Reverse(hops)) await hop.DisposeAsync().ConfigureAwait(false);
        hops.Clear();
    }

    private static async Task<int> RunReconnectingSessionAsync(ResolvedSshConfig config, ConsoleLogger logger, ReconnectingSshClient session, bool hostKeyUntrusted, StrongBox<int> signalExit, CancellationToken shutdownToken)
    {
        await using (session.ConfigureAwait(false))
        {
            if (session.CurrentClient is { } first) logger.Verbose($"Authenticated to {config.HostName} ({first.RemoteEndPoint}) using \"{first.AuthenticationMethod}\".");
            var forwards = new List<IAsyncDisposable>();
            try
            {
                if (!await StartForwardsAsync(config, logger, forwards, hostKeyUntrusted,
                        (spec, dynamic, family) => dynamic
                            ? Upcast(session.StartDynamicForwardAsync(spec, config.GatewayPorts, family, config.StreamLocalBindMask, config.StreamLocalBindUnlink))
                            : Upcast(session.StartLocalForwardAsync(spec, config.GatewayPorts, family, config.StreamLocalBindMask, config.StreamLocalBindUnlink)),
                        () => session.EnableReverseDynamicForwarding(config.PermitRemoteOpen),
                        async spec =>
                        {
                            ReconnectingRemoteForward forward = await session.StartRemoteForwardAsync(spec).ConfigureAwait(false);
                            return (forward, forward.BoundPort);
                        }).ConfigureAwait(false))
                {
                    return 255;
                }

                Background.ReportReady();
                await Task.WhenAny(session.Completion, Task.Delay(Timeout.Infinite, shutdownToken)).ConfigureAwait(false);
                if (signalExit.Value >= 0)
                {
                    if (signalExit.Value != 0) logger.Debug($"Killed by signal {signalNumber}.");
                    return signalExit.Value;
                }
                try
                {
                    await session.Completion.ConfigureAwait(false);
                }
                catch (Exception e) when (e is SshException or IOException or TimeoutException)
                {
                    // The library already logged why it gave up after its last attempt.
                    if (e is not ReconnectFailedException) logger.Fatal(e.Message);
                }
                return 255;
            }
            finally
            {
                foreach (IAsyncDisposable forward in forwards) await forward.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<IAsyncDisposable> Upcast<T>(Task<T> start) where T : IAsyncDisposable => await start.ConfigureAwait(false);

    /// <summary>A ProxyJump hop: the destination's settings come from the same config files, as "ssh -W" for that hop would read them.</summary>
    private static ResolvedSshConfig ResolveJumpHost(ClientInvocation invocation, SshDestination hop)
    {
        var args = new List<string>();
        if (invocation.ConfigFile is { } file) args.AddRange(["-F", file]);
        if (hop.Port is { } port) args.AddRange(["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (hop.User is { } user) args.AddRange(["-l", user]);
        args.AddRange(["-o", "ProxyJump=none", "-o", "BatchMode=" + (invocation.Resolve().BatchMode ? "yes" : "no"), hop.Host]);
        return OpenSshArguments.Parse(args).Resolve();
    }

    /// <summary>The next connection goes through a direct-tcpip channel of <paramref name="hop"/>.</summary>
    /// <summary>Connects to <paramref name="next"/> through a direct-tcpip channel of <paramref name="hop"/> (null: plain TCP).</summary>
    private static Func<CancellationToken, ValueTask<Stream>>? Via(SshClient? hop, ResolvedSshConfig next) => hop is null
        ? null
        : async ct => await hop.OpenDirectTcpipAsync(next.HostName, next.Port, "127.0.0.1", 65535, ct).ConfigureAwait(false);

    /// <summary>-W host:port: stdin and stdout become a direct-tcpip channel (ssh as another program's ProxyCommand).</summary>
    private static async Task<int> RunStdioForwardAsync(SshStdioForward target, SshClient client, ConsoleLogger logger, CancellationToken cancellationToken)
    {
        if (target.Host is null)
        {
            logger.Fatal("stdio forwarding to a Unix socket is not supported yet");
            return 255;
        }
        ChannelStream channel;
        try
        {
            channel = await client.OpenDirectTcpipAsync(target.Host, target.Port, "127.0.0.1", 65535, cancellationToken).ConfigureAwait(false);
        }
        catch (SshChannelOpenException e)
        {
            logger.Error($"channel 0: open failed: {SshChannelOpenFailureText(e.Reason)}: {e.Description}");
            logger.Fatal("stdio forwarding failed");
            return 255;
        }
        await using (channel.ConfigureAwait(false))
        {
            Stream stdin = Console.OpenStandardInput();
            Stream stdout = Console.OpenStandardOutput();
            Task upload = Task.Run(async () =>
            {
                try
                {
                    await stdin.CopyToAsync(channel, cancellationToken).ConfigureAwait(false);
                    await channel.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // the far end closed first
                }
            }, CancellationToken.None);
            try
            {
                await channel.CopyToAsync(stdout, cancellationToken).ConfigureAwait(false);
                await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                return 255;
            }
            return 0;
        }
    }

    private static string SshChannelOpenFailureText(ChannelOpenFailureReason reason) => reason switch
    {
        ChannelOpenFailureReason.AdministrativelyProhibited => "administratively prohibited",
        ChannelOpenFailureReason.ConnectFailed => "connect failed",
        ChannelOpenFailureReason.UnknownChannelType => "unknown channel type",
        ChannelOpenFailureReason.ResourceShortage => "resource shortage",
        _ => "unknown reason",
    };

    private static async Task<int> RunSessionAsync(ClientInvocation invocation, ResolvedSshConfig config, ConsoleLogger logger, SshClient client, bool hasCommand, bool hostKeyUntrusted, StrongBox<int> signalExit, CancellationToken shutdownToken)
    {
        await using (client.ConfigureAwait(false))
        {
            // ssh prints this at LogLevel VERBOSE (shown with -v).
            logger.Verbose($"Authenticated to {config.HostName} ({client.RemoteEndPoint}) using \"{client.AuthenticationMethod}\".");
            if (invocation.StdioForward is { } stdio) return await RunStdioForwardAsync(stdio, client, logger, shutdownToken).ConfigureAwait(false);
            var forwards = new List<IAsyncDisposable>();
            try
            {
                if (!await StartForwardsAsync(config, logger, forwards, hostKeyUntrusted,
                        (spec, dynamic, family) => dynamic
                            ? Upcast(client.StartDynamicForwardAsync(spec, config.GatewayPorts, family, config.StreamLocalBindMask, config.StreamLocalBindUnlink))
                            : Upcast(client.StartLocalForwardAsync(spec, config.GatewayPorts, family, config.StreamLocalBindMask, config.StreamLocalBindUnlink)),
                        () => client.EnableReverseDynamicForwarding(config.PermitRemoteOpen),
                        async spec =>
                        {
                            RemoteForward forward = await client.StartRemoteForwardAsync(spec).ConfigureAwait(false);
                            return (forward, forward.BoundPort);
                        }).ConfigureAwait(false))
                {
                    return 255;
                }

                Background.ReportReady();

                using var sessionEnd = CancellationTokenSource.CreateLinkedTokenSource(shutdownToken, client.Closed);
                Task keepAlive = config.ServerAliveInterval > 0
                    ? client.RunKeepAliveAsync(TimeSpan.FromSeconds(config.ServerAliveInterval), config.ServerAliveCountMax, sessionEnd.Token)
                    : Task.Delay(Timeout.Infinite, sessionEnd.Token);

                if (hasCommand)
                {
                    Stream? input = config.StdinNull || Background.IsBackgroundCopy ? null : Console.OpenStandardInput();
                    Task<int> exec = client.ExecuteAsync(invocation.CommandText, input, Console.OpenStandardOutput(), Console.OpenStandardError(), sessionEnd.Token);
                    Task first = await Task.WhenAny(exec, keepAlive).ConfigureAwait(false);
                    if (first == exec)
                    {
                        try
                        {
                            return await exec.ConfigureAwait(false);
                        }
                        catch (SshChannelOpenException e)
                        {
                            // A server that refuses sessions (a forwarding-only one such as AsyncSSH without a session
                            // handler): ssh says "channel 0: open failed: connect failed: Session refused", status 255.
                            logger.Error($"channel 0: open failed: {SshChannelOpenFailureText(e.Reason)}: {e.Description}");
                            return 255;
                        }
                        catch (Exception e) when (e is SshException or IOException or OperationCanceledException)
                        {
                            return ReportSessionEnd(e, client, config, logger, signalExit);
                        }
                    }
                    return await ReportKeepAliveEndAsync(keepAlive, client, config, logger, signalExit).ConfigureAwait(false);
                }

                // -N (or nothing to run): stay up until the connection ends or a signal arrives.
                return await ReportKeepAliveEndAsync(keepAlive, client, config, logger, signalExit).ConfigureAwait(false);
            }
            finally
            {
                foreach (IAsyncDisposable forward in forwards) await forward.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> ReportKeepAliveEndAsync(Task keepAlive, SshClient client, ResolvedSshConfig config, ConsoleLogger logger, StrongBox<int> signalExit)
    {
        try
        {
            await keepAlive.ConfigureAwait(false);
            return ReportSessionEnd(new OperationCanceledException(), client, config, logger, signalExit);
        }
        catch (Exception e)
        {
            return ReportSessionEnd(e, client, config, logger, signalExit);
        }
    }

    private static int ReportSessionEnd(Exception e, SshClient client, ResolvedSshConfig config, ConsoleLogger logger, StrongBox<int> signalExit)
    {
        if (signalExit.Value >= 0)
        {
            if (signalExit.Value != 0) logger.Debug($"Killed by signal {signalNumber}.");
            return signalExit.Value;
        }
        if (e is SshConnectionException { Message: var m } && m.StartsWith("Timeout, server", StringComparison.Ordinal))
        {
            logger.Fatal(m);
            return 255;
        }
        Exception? reason = client.Failure ?? e;
        if (reason is SshConnectionException { Reason: not DisconnectReason.None } disconnect && disconnect.Message.StartsWith("Received disconnect", StringComparison.Ordinal))
        {
            logger.Fatal(disconnect.Message);
        }
        logger.Fatal($"Connection to {config.HostName} closed by remote host.");
        return 255;
    }

    /// <summary>
    /// Sets up the session's forwards as ssh does: a changed host key accepted under StrictHostKeyChecking=no
    /// (sshconnect.c) disables forwarding ("Port forwarding is disabled to avoid man-in-the-middle attacks.", fatal with
    /// ExitOnForwardFailure); otherwise every -L/-D, then reverse dynamic forwarding and every -R. False: exit 255.
    /// </summary>
    private static async Task<bool> StartForwardsAsync(ResolvedSshConfig config, ConsoleLogger logger, List<IAsyncDisposable> forwards, bool hostKeyUntrusted,
        Func<ForwardSpec, bool, AddressFamily, Task<IAsyncDisposable>> startLocal, Action enableReverseDynamic,
        Func<ForwardSpec, Task<(IAsyncDisposable Forward, int BoundPort)>> startRemote)
    {
        if (hostKeyUntrusted && (config.LocalForwards.Count > 0 || config.RemoteForwards.Count > 0))
        {
            logger.Error("Port forwarding is disabled to avoid man-in-the-middle attacks.");
            if (!config.ExitOnForwardFailure) return true;
            logger.Fatal("Error: forwarding disabled due to host key check failure");
            return false;
        }
        if (!await StartLocalForwardsAsync(config, logger, forwards, startLocal).ConfigureAwait(false)) return false;
        if (config.RemoteForwards.Any(f => f.IsDynamic)) enableReverseDynamic();
        return await StartRemoteForwardsAsync(config, logger, forwards, startRemote).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts every -L and -D (OpenSSH keeps both in its local forward list) and follows ssh's rules: "Could not request
    /// local forwarding." when all failed, or, with ExitOnForwardFailure, fatal when any failed.
    /// </summary>
    private static async Task<bool> StartLocalForwardsAsync(ResolvedSshConfig config, ConsoleLogger logger, List<IAsyncDisposable> forwards,
        Func<ForwardSpec, bool, AddressFamily, Task<IAsyncDisposable>> start)
    {
        AddressFamily family = ClientConnector.ParseAddressFamily(config.AddressFamily);
        int failed = 0;
        foreach (ForwardSpec spec in config.LocalForwards)
        {
            bool dynamic = spec.Kind == ForwardSpecKind.Dynamic && spec.IsDynamic;
            try
            {
                forwards.Add(await start(spec, dynamic, family).ConfigureAwait(false));
                // ssh.c ssh_init_forwarding's wording.
                string listen = spec.ListenPath ?? $"{spec.ListenHost ?? (config.GatewayPorts ? "*" : "LOCALHOST")}:{spec.ListenPort}";
                string connect = dynamic ? "socks:0" : spec.ConnectPath ?? $"{spec.ConnectHost}:{spec.ConnectPort}";
                logger.Debug($"Local connections to {listen} forwarded to remote address {connect}");
            }
            catch (Exception e) when (e is ForwardBindException or NotSupportedException)
            {
                logger.Error(e.Message);
                failed++;
            }
        }
        if (failed > 0 && config.ExitOnForwardFailure)
        {
            logger.Fatal("Could not request local forwarding.");
            return false;
        }
        if (failed > 0 && failed == config.LocalForwards.Count)
        {
            logger.Error("Could not request local forwarding.");
        }
        return true;
    }

    /// <summary>Requests every -R; prints "Allocated port" and ssh's failure lines; fatal with ExitOnForwardFailure.</summary>
    private static async Task<bool> StartRemoteForwardsAsync(ResolvedSshConfig config, ConsoleLogger logger, List<IAsyncDisposable> forwards,
        Func<ForwardSpec, Task<(IAsyncDisposable Forward, int BoundPort)>> start)
    {
        foreach (ForwardSpec spec in config.RemoteForwards)
        {
            try
            {
                (IAsyncDisposable forward, int boundPort) = await start(spec).ConfigureAwait(false);
                forwards.Add(forward);
                if (spec.ListenPath is null && spec.ListenPort == 0) logger.Info($"Allocated port {boundPort} for remote forward to {DescribeTarget(spec)}");
                logger.Debug($"remote forward success for: listen {spec.ListenText}, connect {DescribeTarget(spec)}");
            }
            catch (Exception e) when (e is SshRequestRejectedException or NotSupportedException)
            {
                string what = spec.ListenPath is { } path ? $"listen path {path}" : $"listen port {spec.ListenPort}";
                if (config.ExitOnForwardFailure)
                {
                    logger.Fatal($"Error: remote port forwarding failed for {what}");
                    return false;
                }
                logger.Info($"Warning: remote port forwarding failed for {what}");
            }
        }
        return true;
    }

    private static string DescribeTarget(ForwardSpec spec) => spec.ConnectPath ?? (spec.ConnectHost is { } host ? $"{host}:{spec.ConnectPort}" : "socks:0");

    private static string DescribeConnectFailure(Exception e, ResolvedSshConfig config) => e switch
    {
        SshAuthenticationException => e.Message,
        TimeoutException => e.Message,
        SshConnectionException c when c.Message.StartsWith("ssh: ", StringComparison.Ordinal) || c.Message.StartsWith("Received disconnect", StringComparison.Ordinal) => c.Message,
        SshConnectionException c when c.Message.StartsWith("kex_exchange_identification", StringComparison.Ordinal) => c.Message,
        SshConnectionException => $"Connection closed by {config.HostName} port {config.Port}",
        SshProtocolException p when p.Message.StartsWith("no matching", StringComparison.Ordinal) => $"Unable to negotiate with {config.HostName} port {config.Port}: {p.Message}",
        SshProtocolException p => $"ssh_dispatch_run_fatal: Connection to {config.HostName} port {config.Port}: {p.Message}",
        _ => e.Message,
    };



}
