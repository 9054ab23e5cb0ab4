namespace SshTunnel.Keys.KeyFiles;

/// <summary>Names that appear in key files: PEM labels and headers, openssh-key-v1 ciphers and KDFs, key types.</summary>
internal static class KeyFileNames
{
    // PEM labels (RFC 7468 and OpenSSL's legacy ones)
    public const string OpenSshLabel = "OPENSSH PRIVATE KEY";
    public const string RsaLabel = "RSA PRIVATE KEY";
    public const string EcLabel = "EC PRIVATE KEY";
    public const string Pkcs8Label = "PRIVATE KEY";
    public const string EncryptedPkcs8Label = "ENCRYPTED PRIVATE KEY";

    // Legacy OpenSSL PEM encryption headers (RFC 1421 §4.6)
    public const string ProcTypeHeader = "Proc-Type";
    public const string DekInfoHeader = "DEK-Info";
    public const string ProcTypeEncrypted = "4,ENCRYPTED";
    public const string PemAes128Cbc = "AES-128-CBC";
    public const string PemAes192Cbc = "AES-192-CBC";
    public const string PemAes256Cbc = "AES-256-CBC";
    public const string PemDesEde3Cbc = "DES-EDE3-CBC";

    // openssh-key-v1 (PROTOCOL.key)
    public const string CipherNone = "none";
    public const string Aes128Ctr = "aes128-ctr";
    public const string Aes192Ctr = "aes192-ctr";
    public const string Aes256Ctr = "aes256-ctr";
    public const string Aes128Cbc = "aes128-cbc";
    public const string Aes192Cbc = "aes192-cbc";
    public const string Aes256Cbc = "aes256-cbc";
    public const string Aes128Gcm = "aes128-gcm@openssh.com";
    public const string Aes256Gcm = "aes256-gcm@openssh.com";
    public const string ChaCha20Poly1305 = "chacha20-poly1305@openssh.com";
    public const string KdfNone = "none";
    public const string KdfBcrypt = "bcrypt";

    // Key types and ECDSA curve identifiers (RFC 4253 §6.6, RFC 5656 §6.1, RFC 8709)
    public const string SshEd25519 = "ssh-ed25519";
    public const string SshRsa = "ssh-rsa";
    public const string EcdsaSha2Nistp256 = "ecdsa-sha2-nistp256";
    public const string EcdsaSha2Nistp384 = "ecdsa-sha2-nistp384";
    public const string EcdsaSha2Nistp521 = "ecdsa-sha2-nistp521";
    public const string Nistp256 = "nistp256";
    public const string Nistp384 = "nistp384";
    public const string Nistp521 = "nistp521";

    // ASN.1 object identifiers
    public const string RsaEncryptionOid = "1.2.840.113549.1.1.1";
    public const string EcPublicKeyOid = "1.2.840.10045.2.1";
    public const string Ed25519Oid = "1.3.101.112";
    public const string P256Oid = "1.2.840.10045.3.1.7";
    public const string P384Oid = "1.3.132.0.34";
    public const string P521Oid = "1.3.132.0.35";
}
