using System.Security.Cryptography;
using SshTunnel.Errors;

namespace SshTunnel.Keys.KeyFiles;

/// <summary>
/// Loads SSH private keys from the files ssh-keygen and OpenSSL write: openssh-key-v1
/// ("-----BEGIN OPENSSH PRIVATE KEY-----", OpenSSH PROTOCOL.key; unencrypted or bcrypt_pbkdf + aes*-ctr, aes*-cbc,
/// aes*-gcm@openssh.com), PEM PKCS#1 / SEC1 / PKCS#8 (plain or encrypted) and OpenSSL's legacy encrypted PEM.
/// Key types: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa (1024 to 16384 bits).
/// </summary>
public static class PrivateKeyFile
{
    /// <summary>Largest key file read, in bytes.</summary>
    public const int MaxFileLength = PemArmor.MaxTextLength;

    /// <summary>Reads and parses a private key file.</summary>
    /// <param name="path">The key file, e.g. ~/.ssh/id_ed25519 (already expanded).</param>
    /// <param name="passphraseProvider">Called once, only when the key is encrypted; returns the passphrase, or null to cancel.</param>
    /// <returns>The key; its <see cref="SshPrivateKey.Comment"/> is the file's comment (openssh-key-v1) or empty.</returns>
    /// <exception cref="SshKeyFileException">
    /// The content is not a supported key, the passphrase is wrong, or none was given; <see cref="SshKeyFileException.Path"/> is set.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read (e.g. <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file is not readable by this user.</exception>
    public static SshPrivateKey Load(string path, Func<string?>? passphraseProvider = null)
    {
        string text = ReadText(path);
        try
        {
            return Parse(text, passphraseProvider);
        }
        catch (SshKeyFileException e)
        {
            throw e.WithPath(path);
        }
    }

    /// <summary>Parses the text of a private key file.</summary>
    /// <param name="text">The whole file; text before the BEGIN line and after the END line is ignored.</param>
    /// <param name="passphraseProvider">Called once, only when the key is encrypted; returns the passphrase, or null to cancel.</param>
    /// <exception cref="SshKeyFileException">
    /// Malformed or truncated content (<see cref="SshKeyFileError.InvalidFormat"/>), wrong passphrase
    /// (<see cref="SshKeyFileError.IncorrectPassphrase"/>), no provider or a cancelled one, or an unsupported cipher, KDF or key type.
    /// </exception>
    public static SshPrivateKey Parse(string text, Func<string?>? passphraseProvider = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        PemArmor pem = PemArmor.Parse(text);
        try
        {
            if (pem.Label == KeyFileNames.OpenSshLabel) return OpenSshPrivateKeyFile.Parse(pem.Data, passphraseProvider);
            if (PemPrivateKeyFile.IsPemPrivateKeyLabel(pem.Label)) return PemPrivateKeyFile.Parse(pem, passphraseProvider);
            throw SshKeyFileException.InvalidFormat("not a private key: " + pem.Label);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pem.Data);
        }
    }

    /// <summary>True when the key in <paramref name="text"/> needs a passphrase (checked without decrypting).</summary>
    /// <exception cref="SshKeyFileException">The text is not a supported private key file.</exception>
    public static bool IsEncrypted(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        PemArmor pem = PemArmor.Parse(text);
        try
        {
            if (pem.Label == KeyFileNames.OpenSshLabel) return OpenSshPrivateKeyFile.IsEncrypted(pem.Data);
            if (PemPrivateKeyFile.IsPemPrivateKeyLabel(pem.Label)) return PemPrivateKeyFile.IsEncrypted(pem);
            throw SshKeyFileException.InvalidFormat("not a private key: " + pem.Label);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pem.Data);
        }
    }

    /// <summary>Reads a public key file (".pub": "type base64 [comment]", as ssh-keygen writes it).</summary>
    /// <exception cref="SshKeyFileException">The file holds no valid public key line (<see cref="SshKeyFileError.InvalidFormat"/>).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file is not readable by this user.</exception>
    public static SshPublicKey LoadPublicKey(string path)
    {
        string text = ReadText(path);
        try
        {
            return ParsePublicKey(text);
        }
        catch (SshKeyFileException e)
        {
            throw e.WithPath(path);
        }
    }

    /// <summary>Parses the first public key line ("type base64 [comment]") of a .pub file's text; blank and # lines are skipped.</summary>
    /// <exception cref="SshKeyFileException">No valid public key line.</exception>
    public static SshPublicKey ParsePublicKey(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            try
            {
                return SshPublicKey.ParseOpenSshString(line);
            }
            catch (FormatException e)
            {
                throw SshKeyFileException.InvalidFormat(e.Message, e);
            }
            catch (SshProtocolException e)
            {
                throw SshKeyFileException.InvalidFormat(e.Message, e);
            }
            catch (CryptographicException e)
            {
                throw SshKeyFileException.InvalidFormat(e.Message, e);
            }
        }
        throw SshKeyFileException.InvalidFormat("no public key found");
    }

    /// <summary>
    /// Formats <paramref name="key"/> as an unencrypted OpenSSH private key file ("-----BEGIN OPENSSH PRIVATE KEY-----"),
    /// as ssh-keygen -N "" writes it; used by the server to save a generated host key (the caller sets mode 0600).
    /// </summary>
    /// <exception cref="ArgumentException">The key cannot export its private fields (e.g. an agent key).</exception>
    internal static string FormatOpenSshUnencrypted(SshPrivateKey key, string comment) => OpenSshPrivateKeyFile.FormatUnencrypted(key, comment);

    /// <summary>
    /// Reads at most <see cref="MaxFileLength"/> bytes without asking the length first: a FIFO or /dev/stdin
    /// (<c>-i &lt;(...)</c>) cannot seek, and a file that grows while read is still bounded.
    /// </summary>
    private static string ReadText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.None);
        byte[] buffer = new byte[MaxFileLength + 1];
        try
        {
            int length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0) length += read;
            if (length > MaxFileLength) throw SshKeyFileException.InvalidFormat("file too large").WithPath(path);
            using var reader = new StreamReader(new MemoryStream(buffer, 0, length, writable: false));
            return reader.ReadToEnd();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }
}
