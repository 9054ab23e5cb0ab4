using System.Net.Sockets;
using SshTunnel.Authentication;
using SshTunnel.Cli.Arguments;
using SshTunnel.Client;
using SshTunnel.Errors;

namespace SshTunnel.Cli;

/// <summary>Turns a resolved ssh configuration into a connected, authenticated <see cref="SshClient"/>.</summary>
internal static class ClientConnector
{
    /// <summary>Connects to <paramref name="config"/>'s host (through <paramref name="connectCallback"/> when it is reached via a jump host).</summary>
    /// <exception cref="SshHostKeyException">"Host key verification failed." (the explanation was already printed).</exception>
    /// <returns>The client, and whether its host key is untrusted (a changed key accepted under StrictHostKeyChecking=no: no forwarding then).</returns>
    public static async Task<(SshClient Client, bool HostKeyUntrusted)> ConnectAsync(ResolvedSshConfig config, ConsoleLogger logger, Func<CancellationToken, ValueTask<Stream>>? connectCallback, CancellationToken cancellationToken)
    {
        (SshClientOptions options, KnownHostsVerifier verifier) = CreateOptions(config, logger, connectCallback);
        SshClient client = await SshClient.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        return (client, verifier.InteractiveAuthenticationDisabled);
    }

    /// <summary>
    /// The client settings for <paramref name="config"/>'s host, and the known_hosts verifier they use (whose
    /// <see cref="KnownHostsVerifier.InteractiveAuthenticationDisabled"/> says, after connecting, whether the host key is untrusted).
    /// </summary>
    public static (SshClientOptions Options, KnownHostsVerifier Verifier) CreateOptions(ResolvedSshConfig config, ConsoleLogger logger, Func<CancellationToken, ValueTask<Stream>>? connectCallback)
    {
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
        var options = new SshClientOptions
        {
            Host = config.HostName,
            Port = config.Port,
            HostKeyAlias = config.Get("hostkeyalias"),
            ConnectTimeout = config.ConnectTimeout,
            AddressFamily = ParseAddressFamily(config.AddressFamily),
            KexAlgorithms = AlgorithmList(config.KexAlgorithms),
            HostKeyAlgorithms = AlgorithmList(config.HostKeyAlgorithms),
            Ciphers = AlgorithmList(config.Ciphers),
            Macs = AlgorithmList(config.Macs),
            Compression = config.Compression,
            RekeyBytes = config.RekeyLimit.Bytes > 0 ? config.RekeyLimit.Bytes : null,
            RekeyInterval = config.RekeyLimit.Seconds > 0 ? TimeSpan.FromSeconds(config.RekeyLimit.Seconds) : null,
            Logger = logger,
            ConnectCallback = connectCallback,
            VerifyHostKeyAsync = verifier.VerifyAsync,
            Authentication = new ClientAuthenticationOptions
            {
                UserName = config.User,
                Host = config.HostName,
                Identities = IdentityLoader.Load(config, logger),
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
        return (options, verifier);
    }

    internal static AddressFamily ParseAddressFamily(string value) => value switch
    {
        "inet" => AddressFamily.InterNetwork,
        "inet6" => AddressFamily.InterNetworkV6,
        _ => AddressFamily.Unspecified,
    };

    private static StrictHostKeyChecking ParseStrictHostKeyChecking(string value) => value.ToLowerInvariant() switch
    {
        "yes" or "true" => StrictHostKeyChecking.Yes,
        "accept-new" => StrictHostKeyChecking.AcceptNew,
        "no" or "off" or "false" => StrictHostKeyChecking.No,
        _ => StrictHostKeyChecking.Ask,
    };

    /// <summary>An algorithm list option: null for the defaults. "+x" (append), "-x" (remove) and "^x" (prepend) edit the defaults (ssh_config(5)).</summary>
    internal static string[]? AlgorithmList(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (value[0] is '+' or '-' or '^') return null;
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
        char[] chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]) && chars[i] is not '\n' and not '\t') chars[i] = '?';
        }
        return new string(chars);
    }
}
