using SshTunnel.Errors;

namespace SshTunnel.Keys.KeyFiles;

/// <summary>Why a key file could not be loaded (see <see cref="SshKeyFileException.Error"/>).</summary>
public enum SshKeyFileError
{
    /// <summary>The file is not a key file, or is truncated or corrupted (OpenSSH: "invalid format").</summary>
    InvalidFormat,
    /// <summary>The passphrase does not decrypt the key (OpenSSH: "incorrect passphrase supplied to decrypt private key").</summary>
    IncorrectPassphrase,
    /// <summary>The key is encrypted and no passphrase provider was given.</summary>
    PassphraseRequired,
    /// <summary>The passphrase provider returned null (the user cancelled).</summary>
    PassphraseCancelled,
    /// <summary>The file is encrypted with a cipher this library does not support.</summary>
    UnsupportedCipher,
    /// <summary>The file uses a key derivation function this library does not support.</summary>
    UnsupportedKdf,
    /// <summary>The key type (e.g. ssh-dss, a certificate, a security key) is not supported.</summary>
    UnsupportedKeyType,
}

/// <summary>
/// A private or public key file could not be read: malformed content, wrong passphrase, or an unsupported cipher,
/// KDF or key type. The message follows OpenSSH's wording where it has one, without the file name (which is in
/// <see cref="Path"/> when known), so a CLI can print <c>Load key "PATH": MESSAGE</c> as ssh does.
/// </summary>
public sealed class SshKeyFileException : SshException
{
    /// <summary>OpenSSH's message for a wrong passphrase.</summary>
    public const string IncorrectPassphraseMessage = "incorrect passphrase supplied to decrypt private key";

    /// <summary>OpenSSH's message for a file that is not a valid key.</summary>
    public const string InvalidFormatMessage = "invalid format";

    /// <summary>Creates the exception.</summary>
    public SshKeyFileException(SshKeyFileError error, string message, Exception? innerException = null)
        : base(message, innerException) => Error = error;

    /// <summary>The kind of failure.</summary>
    public SshKeyFileError Error { get; }

    /// <summary>The file that failed to load, when the key was loaded from a file; otherwise null.</summary>
    public string? Path { get; private init; }

    /// <summary>A copy of this exception that names <paramref name="path"/>.</summary>
    internal SshKeyFileException WithPath(string path) => new(Error, Message, InnerException) { Path = path };

    internal static SshKeyFileException InvalidFormat(string? detail = null, Exception? innerException = null) =>
        new(SshKeyFileError.InvalidFormat, detail is null ? InvalidFormatMessage : InvalidFormatMessage + ": " + detail, innerException);

    internal static SshKeyFileException IncorrectPassphrase(Exception? innerException = null) =>
        new(SshKeyFileError.IncorrectPassphrase, IncorrectPassphraseMessage, innerException);
}
