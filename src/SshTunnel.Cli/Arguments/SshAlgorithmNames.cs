using SshTunnel.Wire;
namespace SshTunnel.Cli.Arguments;

/// <summary>
/// The algorithm names OpenSSH knows, used only to validate Ciphers/MACs/KexAlgorithms/*Algorithms values the way
/// ssh does (<c>ciphers_valid</c>, <c>mac_valid</c>, <c>kex_names_valid</c>, <c>sshkey_names_valid2</c>). Whether
/// SshTunnel implements an algorithm is decided at connection time, not here.
/// </summary>
internal static class SshAlgorithmNames
{
    public static readonly HashSet<string> Ciphers = new(StringComparer.Ordinal)
    {
        "3des-cbc", "aes128-cbc", "aes192-cbc", "aes256-cbc", "rijndael-cbc@lysator.liu.se", "aes128-ctr",
        "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com",
    };

    public static readonly HashSet<string> Macs = BuildMacs();

    public static readonly HashSet<string> Kex = new(StringComparer.Ordinal)
    {
        "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group14-sha256",
        "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha1",
        "diffie-hellman-group-exchange-sha256", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "curve25519-sha256", "curve25519-sha256@libssh.org", "sntrup761x25519-sha512",
        "sntrup761x25519-sha512@openssh.com", "mlkem768x25519-sha256",
    };

    public static readonly HashSet<string> KeyTypes = new(StringComparer.Ordinal)
    {
        "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com",
        "sk-ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "webauthn-sk-ecdsa-sha2-nistp256@openssh.com", "ssh-rsa",
        "rsa-sha2-256", "rsa-sha2-512", "ssh-rsa-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
        "rsa-sha2-512-cert-v01@openssh.com", "ssh-dss", "ssh-dss-cert-v01@openssh.com",
    };

    private static HashSet<string> BuildMacs()
    {
        string[] plain = ["hmac-sha1", "hmac-sha1-96", "hmac-sha2-256", "hmac-sha2-512", "hmac-md5", "hmac-md5-96"];
        var set = new HashSet<string>(StringComparer.Ordinal) { "umac-64@openssh.com", "umac-128@openssh.com" };
        foreach (string m in plain)
        {
            set.Add(m);
            set.Add(m + "-etm@openssh.com");
        }

        set.Add("umac-64-etm@openssh.com");
        set.Add("umac-128-etm@openssh.com");
        return set;
    }

    /// <summary>Validates a comma-separated list (after an optional <c>+</c>/<c>^</c>; a <c>-</c> list is not
    /// checked). Key type lists may use wildcard patterns.</summary>
    public static bool IsValidList(string value, HashSet<string> names, bool allowPatterns)
    {
        if (value.StartsWith('-'))
        {
            return true;
        }

        string list = value.StartsWith('+') || value.StartsWith('^') ? value[1..] : value;
        if (list.Length == 0)
        {
            return false;
        }

        foreach (string name in list.Split(','))
        {
            if (name.Length == 0)
            {
                return false;
            }

            if (names.Contains(name))
            {
                continue;
            }

            if (!allowPatterns || !names.Any(n => SshConfigText.MatchPatternList(n, name, false) == 1))
            {
                return false;
            }
        }

        return true;
    }
}
