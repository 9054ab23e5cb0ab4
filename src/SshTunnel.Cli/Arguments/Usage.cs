namespace SshTunnel.Cli.Arguments;

/// <summary>ssh(1)'s usage text (OpenSSH 10.x), printed to stderr with exit code 255 on a command-line error.</summary>
internal static class Usage
{
    public const string Text =
        "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYyZ] [-B bind_interface] [-b bind_address]\n" +
        "           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n" +
        "           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n" +
        "           [-J destination] [-L address] [-l login_name] [-m mac_spec]\n" +
        "           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-R address]\n" +
        "           [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n" +
        "           destination [command [argument ...]]\n" +
        "       ssh [-Q query_option]\n";
}
