using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>
/// A private key that can write itself into the private section of an openssh-key-v1 file (PROTOCOL.key §3), which
/// uses the ssh-agent key encoding (OpenSSH sshkey.c <c>sshkey_private_serialize</c>).
/// </summary>
internal interface IOpenSshPrivateKeyFields
{
    /// <summary>
    /// Writes the key-type-specific private fields that follow <c>string keytype</c> (which the caller writes first):
    /// ssh-ed25519: string pub(32), string seed||pub(64);
    /// ecdsa-sha2-*: string curve ("nistp256"...), string Q (0x04||X||Y), mpint d;
    /// ssh-rsa: mpint n, mpint e, mpint d, mpint iqmp, mpint p, mpint q.
    /// The comment and padding are the caller's.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    void WriteOpenSshPrivateFields(ref SshWriter writer);
}
