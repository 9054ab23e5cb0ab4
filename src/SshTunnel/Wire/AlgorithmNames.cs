namespace SshTunnel.Wire;

/// <summary>Wire names of the algorithms (RFC 4250 §4.11, RFC 8731, RFC 8308, OpenSSH PROTOCOL).</summary>
internal static class AlgorithmNames
{
    // Key exchange
    public const string Curve25519Sha256 = "curve25519-sha256";
    public const string Curve25519Sha256LibSsh = "curve25519-sha256@libssh.org";
    public const string EcdhSha2Nistp256 = "ecdh-sha2-nistp256";
    public const string EcdhSha2Nistp384 = "ecdh-sha2-nistp384";
    public const string EcdhSha2Nistp521 = "ecdh-sha2-nistp521";
    public const string DiffieHellmanGroup14Sha256 = "diffie-hellman-group14-sha256";
    public const string DiffieHellmanGroup16Sha512 = "diffie-hellman-group16-sha512";
    public const string DiffieHellmanGroup18Sha512 = "diffie-hellman-group18-sha512";
    public const string DiffieHellmanGroupExchangeSha256 = "diffie-hellman-group-exchange-sha256";

    // Key exchange markers
    public const string ExtInfoClient = "ext-info-c";
    public const string ExtInfoServer = "ext-info-s";
    public const string KexStrictClient = "kex-strict-c-v00@openssh.com";
    public const string KexStrictServer = "kex-strict-s-v00@openssh.com";

    // Host key and signature algorithms
    public const string SshEd25519 = "ssh-ed25519";
    public const string EcdsaSha2Nistp256 = "ecdsa-sha2-nistp256";
    public const string EcdsaSha2Nistp384 = "ecdsa-sha2-nistp384";
    public const string EcdsaSha2Nistp521 = "ecdsa-sha2-nistp521";
    public const string RsaSha2512 = "rsa-sha2-512";
    public const string RsaSha2256 = "rsa-sha2-256";
    public const string SshRsa = "ssh-rsa";

    // Ciphers
    public const string Aes128Gcm = "aes128-gcm@openssh.com";
    public const string Aes256Gcm = "aes256-gcm@openssh.com";
    public const string ChaCha20Poly1305 = "chacha20-poly1305@openssh.com";
    public const string Aes128Ctr = "aes128-ctr";
    public const string Aes192Ctr = "aes192-ctr";
    public const string Aes256Ctr = "aes256-ctr";
    public const string None = "none";

    // MACs
    public const string HmacSha2256Etm = "hmac-sha2-256-etm@openssh.com";
    public const string HmacSha2512Etm = "hmac-sha2-512-etm@openssh.com";
    public const string HmacSha2256 = "hmac-sha2-256"; // RFC 6668, encrypt-and-MAC
    public const string HmacSha2512 = "hmac-sha2-512"; // RFC 6668, encrypt-and-MAC

    // Compression
    public const string ZlibOpenSsh = "zlib@openssh.com";

    // Extensions (RFC 8308)
    public const string ServerSigAlgs = "server-sig-algs";
}
