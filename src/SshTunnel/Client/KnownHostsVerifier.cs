using SshTunnel.Client.KnownHosts;

namespace SshTunnel.Client;

/// <summary>OpenSSH's StrictHostKeyChecking (ssh_config(5)).</summary>
public enum StrictHostKeyChecking
{
    /// <summary>Never add keys; refuse unknown and changed keys.</summary>
    Yes,
    /// <summary>Add unknown keys silently; refuse changed keys.</summary>
    AcceptNew,
    /// <summary>Add unknown keys; connect to changed keys with password authentication disabled.</summary>
    No,
    /// <summary>Ask the user about unknown keys; refuse changed keys (the default).</summary>
    Ask,
}

/// <summary>
/// Host key verification against known_hosts files as OpenSSH's ssh does it (sshconnect.c check_host_key), with its
/// messages. Fails closed: any error while reading or deciding refuses the key. Use <see cref="VerifyAsync"/> as
/// <see cref="SshClientOptions.VerifyHostKeyAsync"/>.
/// </summary>
public sealed class KnownHostsVerifier
{
    /// <summary>The checking mode (default Ask).</summary>
    public StrictHostKeyChecking Mode { get; init; } = StrictHostKeyChecking.Ask;

    /// <summary>UserKnownHostsFile: read, and the first one is where new keys are added.</summary>
    public IReadOnlyList<string> UserKnownHostsFiles { get; init; } = [];

    /// <summary>GlobalKnownHostsFile: read only.</summary>
    public IReadOnlyList<string> GlobalKnownHostsFiles { get; init; } = ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

    /// <summary>HashKnownHosts: write new entries with hashed host names.</summary>
    public bool HashKnownHosts { get; init; }

    /// <summary>BatchMode: never ask (an unknown key under Ask is refused).</summary>
    public bool BatchMode { get; init; }

    /// <summary>Asks the user a question and returns the line typed (null when no terminal).</summary>
    public Func<string, CancellationToken, ValueTask<string?>>? Prompt { get; init; }

    /// <summary>Receives error-level lines (always shown by ssh).</summary>
    public Action<string> Error { get; init; } = _ => { };

    /// <summary>Receives info-level lines (hidden by -q).</summary>
    public Action<string> Info { get; init; } = _ => { };

    /// <summary>True after a changed key was accepted under StrictHostKeyChecking=no: password and keyboard-interactive must then be disabled.</summary>
    public bool InteractiveAuthenticationDisabled { get; private set; }

    /// <summary>Decides about <paramref name="context"/>'s key; false means "Host key verification failed." (the caller prints it).</summary>
    public async ValueTask<bool> VerifyAsync(HostKeyContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await VerifyCoreAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e)
        {
            Error($"host key check failed: {e.Message}");
            return false;
        }
    }

    private async ValueTask<bool> VerifyCoreAsync(HostKeyContext context, CancellationToken cancellationToken)
    {
        string hostText = KnownHostsFile.FormatHostPattern(context.Host, context.Port);
        string keyType = KnownHostsFile.DisplayKeyType(context.Key.KeyType);
        KnownHostsResult result = KnownHostsFile.CheckAll([.. UserKnownHostsFiles, .. GlobalKnownHostsFiles], context.Host, context.Port, context.Key);
        foreach (string warning in result.Warnings) Info(warning);

        switch (result.Status)
        {
            case KnownHostsStatus.Match:
                return true;
            case KnownHostsStatus.Revoked:
                Error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
                Error("@       WARNING: REVOKED HOST KEY DETECTED!               @");
                Error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
                Error($"The {keyType} host key for {hostText} is marked as revoked.");
                Error("This could mean that a stolen key is being used to");
                Error("impersonate this host.");
                return false;
            case KnownHostsStatus.Changed:
                return ReportChanged(context, hostText, keyType, result);
        }

        // Not known.
        string fingerprint = context.Key.Fingerprint;
        switch (Mode)
        {
            case StrictHostKeyChecking.Yes:
                Error($"No {keyType} host key is known for {hostText} and you have requested strict checking.");
                return false;
            case StrictHostKeyChecking.Ask:
                if (BatchMode || Prompt is null) return false;
                string question =
                    $"The authenticity of host '{hostText} ({hostText})' can't be established.\n" +
                    $"{keyType} key fingerprint is {fingerprint}.\n" +
                    (result.OtherKeyTypes.Count > 0
                        ? $"Host key for {hostText} is known under another key type.\n"
                        : "This key is not known by any other names.\n") +
                    "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";
                while (true)
                {
                    string? answer = await Prompt(question, cancellationToken).ConfigureAwait(false);
                    answer = answer?.Trim();
                    if (answer is null || answer.Equals("no", StringComparison.OrdinalIgnoreCase)) return false;
                    if (answer.Equals("yes", StringComparison.OrdinalIgnoreCase) || answer == fingerprint) break;
                    question = "Please type 'yes', 'no' or the fingerprint: ";
                }
                break;
        }
        AddKey(context, hostText, keyType);
        return true;
    }

    private void AddKey(HostKeyContext context, string hostText, string keyType)
    {
        if (UserKnownHostsFiles.Count == 0) return;
        string path = UserKnownHostsFiles[0];
        try
        {
            KnownHostsFile.Append(path, context.Host, context.Port, context.Key, HashKnownHosts);
            Info($"Warning: Permanently added '{hostText}' ({keyType}) to the list of known hosts.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // OpenSSH goes on when it cannot record the key.
            Info($"Failed to add the host to the list of known hosts ({path}).");
        }
    }

    private bool ReportChanged(HostKeyContext context, string hostText, string keyType, KnownHostsResult result)
    {
        Error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
        Error("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @");
        Error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
        Error("IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!");
        Error("Someone could be eavesdropping on you right now (man-in-the-middle attack)!");
        Error("It is also possible that a host key has just been changed.");
        Error($"The fingerprint for the {keyType} key sent by the remote host is");
        Error($"{context.Key.Fingerprint}.");
        Error("Please contact your system administrator.");
        string userFile = UserKnownHostsFiles.Count > 0 ? UserKnownHostsFiles[0] : "known_hosts";
        Error($"Add correct host key in {userFile} to get rid of this message.");
        if (result.OffendingKeyMessage is { } offending) Error(offending);
        if (result.Offending.Count > 0)
        {
            Error("  remove with:");
            Error($"  ssh-keygen -f \"{result.Offending[0].Path}\" -R \"{hostText}\"");
        }
        if (Mode != StrictHostKeyChecking.No)
        {
            Error($"Host key for {hostText} has changed and you have requested strict checking.");
            return false;
        }
        Error("Password authentication is disabled to avoid man-in-the-middle attacks.");
        Error("Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.");
        InteractiveAuthenticationDisabled = true;
        return true;
    }
}
