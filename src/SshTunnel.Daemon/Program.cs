using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SshTunnel.Daemon.Config;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Server;
using SshTunnel.Server.Policy;

namespace SshTunnel.Daemon;

/// <summary>
/// <c>sshtunneld</c>: the forwarding-only SSH gateway, started like sshd (-f, -o, -p, -h, -D, -e, -d, -q, -t, -T).
/// Runs in the foreground, logs sshd-style lines to stderr, stops on SIGTERM/SIGINT and re-reads its configuration
/// on SIGHUP (for new connections).
/// </summary>
internal static class Program
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);

    private static async Task<int> Main(string[] args)
    {
        // Run socket completions on the epoll threads instead of waking a thread-pool thread for each one (read by the
        // runtime when the first socket is made, so it must come first; an explicit setting wins). Measured on the
        // gateway receive path: context switches per GiB fall from 50-120k to 3-7k (sshd: 4-6k) and CPU per GiB to
        // sshd's. Safe because nothing on the socket path blocks: the data pumps never wait synchronously (see
        // StreamPump), and the authorizer (file reads, PBKDF2) is called on the thread pool by SshServerSession.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null) Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        DaemonOptions options;
        try
        {
            options = DaemonOptions.Parse(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync("sshtunneld: " + e.Message).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(DaemonOptions.Usage).ConfigureAwait(false);
            return 1;
        }
        ServerConfig config = options.LoadConfig();
        if (options.Test || options.ExtendedTest) return RunTest(options, config);
        if (!config.IsValid)
        {
            foreach (ConfigDiagnostic error in config.Errors) await Console.Error.WriteLineAsync(error.Message).ConfigureAwait(false);
            return 1;
        }

        using var logProvider = new StderrLoggerProvider(StderrLoggerProvider.FromSshd(config.LogLevel, options.DebugLevel, options.Quiet));
        ILogger logger = logProvider.CreateLogger("sshtunneld");
        foreach (ConfigDiagnostic warning in config.Warnings) Log.Info(logger, warning.Message);
        string stateDirectory = StateDirectory.Resolve();

        SshServerOptions? serverOptions = BuildServerOptions(config, stateDirectory, logger, generateHostKey: true);
        if (serverOptions is null) return 1;
        var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reload = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult("Received signal 15; terminating."); });
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult("Received signal 2; terminating."); });
        using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; reload.Writer.TryWrite(true); });
        await using var server = new SshServer(serverOptions);
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            Log.Fatal(logger, e.Message);
            return 1;
        }

        Task reloader = ReloadLoopAsync(options, stateDirectory, server, logProvider, logger, reload.Reader);

        string reason = await stop.Task.ConfigureAwait(false);
        Log.Info(logger, reason);
        reload.Writer.TryComplete();
        await reloader.ConfigureAwait(false);
        try
        {
            await server.StopAsync(new CancellationTokenSource(ShutdownGrace).Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.Error(logger, "sessions still open after " + ShutdownGrace.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s; exiting anyway");
        }
        return 0;
    }

    /// <summary>SIGHUP: re-read the configuration, host keys and PasswordFile; on errors keep the old ones.</summary>
    private static async Task ReloadLoopAsync(DaemonOptions options, string stateDirectory, SshServer server, StderrLoggerProvider logProvider, ILogger logger,
        System.Threading.Channels.ChannelReader<bool> requests)
    {
        await foreach (bool _ in requests.ReadAllAsync().ConfigureAwait(false))
        {
            Log.Info(logger, "Received SIGHUP; re-reading configuration.");
            ServerConfig config = options.LoadConfig();
            if (!config.IsValid)
            {
                foreach (ConfigDiagnostic error in config.Errors) Log.Error(logger, error.Message);
                Log.Error(logger, "configuration not reloaded; keeping the previous one");
                continue;
            }
            SshServerOptions? serverOptions = BuildServerOptions(config, stateDirectory, logger, generateHostKey: true);
            if (serverOptions is null)
            {
                Log.Error(logger, "configuration not reloaded; keeping the previous one");
                continue;
            }
            logProvider.MinimumLevel = StderrLoggerProvider.FromSshd(config.LogLevel, options.DebugLevel, options.Quiet);
            server.UpdateOptions(serverOptions);
            Log.Info(logger, "Configuration reloaded; new connections use it.");
        }
    }

    /// <summary>-t / -T: configuration errors, host keys and PasswordFile; exit 0 when usable, 1 when not.</summary>
    private static int RunTest(DaemonOptions options, ServerConfig config)
    {
        if (options.RunTest(config, Console.Out, Console.Error) != 0) return 1;
        int status = 0;
        foreach (string path in config.HostKeys)
        {
            try
            {
                using SshPrivateKey key = PrivateKeyFile.Load(path);
            }
            catch (Exception e) when (e is SshKeyFileException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"Unable to load host key {path}: {e.Message}");
                status = 1;
            }
        }
        if (config.PasswordFile is { } passwordFile)
        {
            try
            {
                PasswordFile file = PasswordFile.Load(passwordFile);
                foreach (PolicyFileWarning warning in file.Warnings) Console.Error.WriteLine(warning.ToString());
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"PasswordFile {passwordFile}: {e.Message}");
                status = 1;
            }
        }
        return status;
    }

    /// <summary>Host keys, PasswordFile, listen endpoints, limits and algorithms from the configuration; null (logged) when unusable.</summary>
    internal static SshServerOptions? BuildServerOptions(ServerConfig config, string stateDirectory, ILogger logger, bool generateHostKey)
    {
        var hostKeys = new List<SshPrivateKey>();
        foreach (string path in config.HostKeys)
        {
            try
            {
                hostKeys.Add(PrivateKeyFile.Load(path));
            }
            catch (Exception e) when (e is SshKeyFileException or IOException or UnauthorizedAccessException)
            {
                Log.Error(logger, $"Unable to load host key \"{path}\": {e.Message}");
            }
        }
        if (config.HostKeys.Count == 0 && generateHostKey)
        {
            try
            {
                SshPrivateKey key = HostKeyStore.LoadOrCreate(stateDirectory, out bool created);
                string file = Path.Combine(stateDirectory, HostKeyStore.DefaultFileName);
                if (created) Log.Info(logger, $"Generated host key {file}: {key.PublicKey.KeyType} {key.PublicKey.Fingerprint}");
                else Log.Debug(logger, $"Loaded host key {file}: {key.PublicKey.KeyType} {key.PublicKey.Fingerprint}");
                hostKeys.Add(key);
            }
            catch (Exception e) when (e is SshKeyFileException or IOException or UnauthorizedAccessException)
            {
                Log.Error(logger, $"Cannot create or load the host key in {stateDirectory}: {e.Message}");
            }
        }
        if (hostKeys.Count == 0)
        {
            Log.Fatal(logger, "sshtunneld: no hostkeys available -- exiting.");
            return null;
        }

        PasswordFile? passwords = null;
        if (config.PasswordFile is { } passwordFile && config.PasswordAuthentication)
        {
            try
            {
                passwords = PasswordFile.Load(passwordFile);
                foreach (PolicyFileWarning warning in passwords.Warnings) Log.Info(logger, warning.ToString());
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                Log.Fatal(logger, $"PasswordFile {passwordFile}: {e.Message}");
                return null;
            }
        }

        var endPoints = new List<IPEndPoint>();
        foreach (ListenAddressSpec listen in config.ListenAddresses)
        {
            if (IPAddress.TryParse(listen.Host, out IPAddress? address))
            {
                endPoints.Add(new IPEndPoint(address, listen.Port));
                continue;
            }
            try
            {
                endPoints.AddRange(Dns.GetHostAddresses(listen.Host).Select(a => new IPEndPoint(a, listen.Port)));
            }
            catch (SocketException e)
            {
                Log.Error(logger, $"bad addr or host: {listen.Host} ({e.Message})");
            }
        }

        var authorizer = new DaemonAuthorizer(config, passwords, stateDirectory, logger);
        return new SshServerOptions
        {
            HostKeys = hostKeys,
            ListenEndPoints = endPoints,
            AuthorizePublicKeyAsync = config.PubkeyAuthentication ? authorizer.AuthorizePublicKeyAsync : null,
            AuthorizePasswordAsync = passwords is not null ? authorizer.AuthorizePasswordAsync : null,
            KbdInteractiveAuthentication = config.KbdInteractiveAuthentication,
            KexAlgorithms = config.KexAlgorithms,
            HostKeyAlgorithms = config.HostKeyAlgorithms,
            Ciphers = config.Ciphers,
            Macs = config.Macs,
            LoginGraceTime = config.LoginGraceTime,
            MaxAuthTries = config.MaxAuthTries,
            MaxStartups = new StartupLimits(config.MaxStartups.Start, config.MaxStartups.Rate, config.MaxStartups.Full),
            PerSourceMaxStartups = config.PerSourceMaxStartups,
            TcpKeepAlive = config.TcpKeepAlive,
            StreamLocalBindMask = config.StreamLocalBindMask,
            StreamLocalBindUnlink = config.StreamLocalBindUnlink,
            ClientAliveInterval = config.ClientAliveInterval,
            ClientAliveCountMax = config.ClientAliveCountMax,
            MaxSessions = config.MaxSessions,
            Logger = logger,
        };
    }
}
