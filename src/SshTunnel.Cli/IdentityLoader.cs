using SshTunnel.Authentication;
using SshTunnel.Cli.Arguments;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;

namespace SshTunnel.Cli;

/// <summary>
/// Turns IdentityFile entries into identities as ssh does: a key with a .pub file is offered by its public half and
/// decrypted (asking for its passphrase) only once the server accepts it; other keys are loaded up front.
/// Unreadable keys are reported with ssh's "Load key" line and skipped.
/// </summary>
internal static class IdentityLoader
{
    public static IReadOnlyList<ClientIdentity> Load(ResolvedSshConfig config, ConsoleLogger logger)
    {
        var identities = new List<ClientIdentity>();
        foreach (string path in config.IdentityFiles)
        {
            if (!File.Exists(path)) continue;
            try
            {
                string publicPath = path + ".pub";
                if (File.Exists(publicPath))
                {
                    SshPublicKey publicKey = PrivateKeyFile.LoadPublicKey(publicPath);
                    identities.Add(new ClientIdentity(publicKey, _ => ValueTask.FromResult(LoadPrivate(path, config.BatchMode, logger)), path));
                }
                else
                {
                    string text = File.ReadAllText(path);
                    if (PrivateKeyFile.IsEncrypted(text) && config.BatchMode) continue;
                    SshPrivateKey? key = LoadPrivate(path, config.BatchMode, logger);
                    if (key is not null) identities.Add(new ClientIdentity(key, path));
                }
            }
            catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or FormatException)
            {
                logger.Error($"Load key \"{path}\": {Describe(e)}");
            }
        }
        return identities;
    }

    private static SshPrivateKey? LoadPrivate(string path, bool batchMode, ConsoleLogger logger)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                return PrivateKeyFile.Load(path, batchMode ? null : () => TerminalPrompt.ReadSecret($"Enter passphrase for key '{path}': "));
            }
            catch (SshKeyFileException e) when (e.Error == SshKeyFileError.IncorrectPassphrase && !batchMode)
            {
                continue;
            }
            catch (SshKeyFileException e) when (e.Error is SshKeyFileError.PassphraseRequired or SshKeyFileError.PassphraseCancelled)
            {
                return null;
            }
            catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException)
            {
                logger.Error($"Load key \"{path}\": {Describe(e)}");
                return null;
            }
        }
        return null;
    }

    private static string Describe(Exception e) => e switch
    {
        FileNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => e.Message,
    };
}
