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

    private static async Task<int> Main(string[] args)
    {
        ClientInvocation invocation;
        ResolvedSshConfig config;
        try
        {
            invocation = OpenSshArguments.Parse(args);
            foreach (string warning in invocation.Warnings) Console.Error.WriteLine(warning);
            if (invocation.ShowVersion)
            {
                Console.Error.WriteLine($"{Version}, .NET {Environment.Version}");
                return 0;
            }
            config = invocation.Resolve();
            foreach (string warning in config.Warnings) Console.Error.WriteLine(warning);
        }
        catch (SshConfigException e)
        {
            foreach (string line in e.Lines) Console.Error.WriteLine(line);
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
        var logger = new ConsoleLogger(logWriter, ConsoleLogger.FromSshLevel(config.LogLevel, invocation.Verbosity, quiet: false));
        try
        {
            return await RunAsync(invocation, config, logger).ConfigureAwait(false);
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
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; signalExit.Value = 255; shutdown.Cancel(); });
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx => { ctx.Cancel = true; signalExit.Value = 255; shutdown.Cancel(); });

        bool hasCommand = invocation.Command.Count > 0 && config.SessionType != "none";
        var verifier = new KnownHostsVerifier
        {
            Mode = ParseStrictHostKeyChecking(config.StrictHostKeyChecking),
            UserKnownHostsFiles = config.UserKnownHostsFiles,
            GlobalKnownHostsFiles = config.GlobalKnownHostsFiles,
            HashKnownHosts = config.HashKnownHosts,
            BatchMode = config.BatchMode,
            Prompt = (question, _) => ValueTask.FromResult(TerminalPrompt.ReadLine(question)),
            Error = logger.Error,
            Info = logger.Info,
        };

        SshClient client;
        var identities = IdentityLoader.Load(config, logger);
        try
        {
            var options = new SshClientOptions
            {
                Host = config.HostName,
                Port = config.Port,
                HostKeyAlias = config.Get("hostkeyalias"),
                ConnectTimeout = config.ConnectTimeout,
                AddressFamily = config.AddressFamily switch
                {
                    "inet" => AddressFamily.InterNetwork,
                    "inet6" => AddressFamily.InterNetworkV6,
                    _ => AddressFamily.Unspecified,
                },
                KexAlgorithms = AlgorithmList(config.KexAlgorithms),
                HostKeyAlgorithms = AlgorithmList(config.HostKeyAlgorithms),
                Ciphers = AlgorithmList(config.Ciphers),
                Macs = AlgorithmList(config.Macs),
                Compression = config.Compression,
                RekeyBytes = config.RekeyLimit.Bytes > 0 ? config.RekeyLimit.Bytes : null,
                RekeyInterval = config.RekeyLimit.Seconds > 0 ? TimeSpan.FromSeconds(config.RekeyLimit.Seconds) : null,
                Logger = logger,
                VerifyHostKeyAsync = verifier.VerifyAsync,
                Authentication = new ClientAuthenticationOptions
                {
                    UserName = config.User,
                    Host = config.HostName,
                    Identities = identities,
                    IdentitiesOnly = config.IdentitiesOnly,
                    IdentityAgent = config.IdentityAgent,
                    PubkeyAuthentication = config.PubkeyAuthentication != "no",
                    PasswordAuthentication = config.PasswordAuthentication,
                    KbdInteractiveAuthentication = config.KbdInteractiveAuthentication,
                    NumberOfPasswordPrompts = config.NumberOfPasswordPrompts,
                    PreferredAuthentications = config.PreferredAuthentications is { } preferred
                        ? preferred.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        : ClientAuthenticationOptions.DefaultPreferredAuthentications,
                    BatchMode = config.BatchMode,
                    PasswordCallback = (prompt, _) => ValueTask.FromResult(verifier.InteractiveAuthenticationDisabled ? null : TerminalPrompt.ReadSecret(prompt)),
                    KeyboardInteractiveCallback = (challenge, _) => ValueTask.FromResult(verifier.InteractiveAuthenticationDisabled ? null : AnswerChallenge(challenge)),
                    BannerCallback = banner => logger.Info(Sanitize(banner).TrimEnd('\n', '\r')),
                },
            };
            client = await SshClient.ConnectAsync(options, shutdown.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            return 255;
        }
        catch (SshHostKeyException e)
        {
            logger.Fatal(e.Message);
            return 255;
        }
        catch (Exception e) when (e is SshException or TimeoutException or IOException or SocketException)
        {
            logger.Fatal(DescribeConnectFailure(e, config));
            return 255;
        }

        await using (client.ConfigureAwait(false))
        {
            logger.Debug($"Authenticated to {config.HostName} ([{config.HostName}]:{config.Port}) using {client.KeyExchange}.");
            var forwards = new List<IAsyncDisposable>();
            try
            {
                if (!await StartLocalForwardsAsync(client, config, logger, forwards).ConfigureAwait(false)) return 255;
                if (!await StartRemoteForwardsAsync(client, config, logger, forwards).ConfigureAwait(false)) return 255;

                Background.ReportReady();

                using var sessionEnd = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Token, client.Closed);
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
            return 255;
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
            if (signalExit.Value != 0) logger.Debug("Killed by signal.");
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

    /// <summary>Starts every -L; follows ssh's rules for "Could not request local forwarding." and ExitOnForwardFailure.</summary>
    private static async Task<bool> StartLocalForwardsAsync(SshClient client, ResolvedSshConfig config, ConsoleLogger logger, List<IAsyncDisposable> forwards)
    {
        AddressFamily family = config.AddressFamily switch
        {
            "inet" => AddressFamily.InterNetwork,
            "inet6" => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unspecified,
        };
        int failed = 0;
        foreach (ForwardSpec spec in config.LocalForwards)
        {
            try
            {
                LocalForward forward = await client.StartLocalForwardAsync(spec, config.GatewayPorts, family).ConfigureAwait(false);
                forwards.Add(forward);
                logger.Debug($"Local connections to {spec.ListenText} forwarded to remote address {spec.DestinationText}");
            }
            catch (ForwardBindException e)
            {
                logger.Error(e.Message);
                failed++;
            }
            catch (NotSupportedException e)
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
    private static async Task<bool> StartRemoteForwardsAsync(SshClient client, ResolvedSshConfig config, ConsoleLogger logger, List<IAsyncDisposable> forwards)
    {
        foreach (ForwardSpec spec in config.RemoteForwards)
        {
            try
            {
                RemoteForward forward = await client.StartRemoteForwardAsync(spec).ConfigureAwait(false);
                forwards.Add(forward);
                if (spec.ListenPort == 0) logger.Info($"Allocated port {forward.BoundPort} for remote forward to {DescribeTarget(spec)}");
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

    private static StrictHostKeyChecking ParseStrictHostKeyChecking(string value) => value.ToLowerInvariant() switch
    {
        "yes" or "true" => StrictHostKeyChecking.Yes,
        "accept-new" => StrictHostKeyChecking.AcceptNew,
        "no" or "off" or "false" => StrictHostKeyChecking.No,
        _ => StrictHostKeyChecking.Ask,
    };

    /// <summary>An algorithm list option: null for defaults; "+x" appends, "-x" removes, "^x" prepends (ssh_config(5)).</summary>
    private static string[]? AlgorithmList(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (value[0] is '+' or '-' or '^') return null; // relative to the defaults: keep the defaults (see note in README)
        return value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static IReadOnlyList<string>? AnswerChallenge(KeyboardInteractiveChallenge challenge)
    {
        if (challenge.Name.Length > 0) Console.Error.WriteLine(Sanitize(challenge.Name));
        if (challenge.Instruction.Length > 0) Console.Error.WriteLine(Sanitize(challenge.Instruction));
        var answers = new List<string>();
        foreach (KeyboardInteractivePrompt prompt in challenge.Prompts)
        {
            string? answer = prompt.Echo ? TerminalPrompt.ReadLine(Sanitize(prompt.Prompt)) : TerminalPrompt.ReadSecret(Sanitize(prompt.Prompt));
            if (answer is null) return null;
            answers.Add(answer);
        }
        return answers;
    }

    /// <summary>Removes control characters from server-supplied text before it reaches the terminal.</summary>
    internal static string Sanitize(string text)
    {
        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]) && chars[i] is not '\n' and not '\t') chars[i] = '?';
        }
        return new string(chars);
    }
}
