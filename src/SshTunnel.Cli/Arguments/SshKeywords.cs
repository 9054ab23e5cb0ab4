namespace SshTunnel.Cli.Arguments;

/// <summary>How a keyword's arguments are parsed (OpenSSH's opcode groups in readconf.c).</summary>
internal enum SshKeywordKind
{
    Ignore,
    Deprecated,
    Unsupported,
    Flag,
    MultiState,
    Time,
    Int,
    String,
    Command,
    ProxyJump,
    Port,
    Ciphers,
    Macs,
    KexAlgorithms,
    KeyTypes,
    LogLevel,
    IdentityFile,
    CertificateFile,
    FileArray,
    Forward,
    PermitRemoteOpen,
    Host,
    Match,
    Include,
    RekeyLimit,
    StreamLocalBindMask,
    ForwardAgent,
    IdentityAgent,
    AddKeysToAgent,
    RefuseConnection,
    SendEnv,
    Raw,
}

/// <summary>One ssh_config keyword: its canonical lowercase name (as <c>ssh -G</c> prints it) and its parser.</summary>
internal sealed record SshKeyword(string Name, SshKeywordKind Kind, IReadOnlyList<(string Key, string Printed)>? States = null);

/// <summary>OpenSSH's client keyword table (readconf.c <c>keywords[]</c>), case-insensitive.</summary>
internal static class SshKeywords
{
    private static readonly (string, string)[] s_flag = [("true", "yes"), ("false", "no"), ("yes", "yes"), ("no", "no")];
    private static readonly (string, string)[] s_yesNoAsk =
        [("true", "true"), ("false", "false"), ("yes", "true"), ("no", "false"), ("ask", "ask")];
    private static readonly (string, string)[] s_strictHostKey =
        [("true", "true"), ("false", "false"), ("yes", "true"), ("no", "false"), ("ask", "ask"), ("off", "false"), ("accept-new", "accept-new")];
    private static readonly (string, string)[] s_addressFamily = [("inet", "inet"), ("inet6", "inet6"), ("any", "any")];
    private static readonly (string, string)[] s_controlMaster =
        [("true", "true"), ("yes", "true"), ("false", "false"), ("no", "false"), ("auto", "auto"), ("ask", "ask"), ("autoask", "autoask")];
    private static readonly (string, string)[] s_tunnel =
        [("ethernet", "ethernet"), ("point-to-point", "point-to-point"), ("true", "true"), ("yes", "true"), ("false", "false"), ("no", "false")];
    private static readonly (string, string)[] s_requestTty =
        [("true", "true"), ("yes", "true"), ("false", "false"), ("no", "false"), ("force", "force"), ("auto", "auto")];
    private static readonly (string, string)[] s_sessionType = [("none", "none"), ("subsystem", "subsystem"), ("default", "default")];
    private static readonly (string, string)[] s_canonicalize =
        [("true", "true"), ("false", "false"), ("yes", "true"), ("no", "false"), ("always", "always")];
    private static readonly (string, string)[] s_pubkeyAuth =
        [("true", "true"), ("false", "false"), ("yes", "true"), ("no", "false"), ("unbound", "unbound"), ("host-bound", "host-bound")];
    private static readonly (string, string)[] s_compression = [("yes", "yes"), ("no", "no")];
    private static readonly (string, string)[] s_warnWeakCrypto =
        [("true", "true"), ("false", "false"), ("yes", "true"), ("no", "false"), ("no-pq-kex", "false")];

    /// <summary>Multi-state values of AddKeysToAgent, printed as OpenSSH's -G does.</summary>
    public static readonly (string Key, string Printed)[] AddKeysToAgentStates =
        [("true", "true"), ("false", "false"), ("yes", "true"), ("no", "false"), ("ask", "ask"), ("confirm", "confirm")];

    private static readonly Dictionary<string, SshKeyword> s_table = Build();

    /// <summary>Looks up a keyword (case-insensitive); aliases resolve to the canonical entry.</summary>
    public static SshKeyword? Find(string keyword) => s_table.GetValueOrDefault(keyword.ToLowerInvariant());

    private static Dictionary<string, SshKeyword> Build()
    {
        var t = new Dictionary<string, SshKeyword>(StringComparer.Ordinal);
        void Add(SshKeywordKind kind, string name, params string[] aliases)
        {
            var k = new SshKeyword(name, kind);
            t[name] = k;
            foreach (string alias in aliases)
            {
                t[alias] = k;
            }
        }

        void Multi((string, string)[] states, string name, params string[] aliases)
        {
            var k = new SshKeyword(name, SshKeywordKind.MultiState, states);
            t[name] = k;
            foreach (string alias in aliases)
            {
                t[alias] = k;
            }
        }

        Add(SshKeywordKind.Ignore, "protocol");
        foreach (string d in new[] { "cipher", "fallbacktorsh", "globalknownhostsfile2", "rhostsauthentication",
                     "userknownhostsfile2", "useroaming", "usersh", "useprivilegedport" })
        {
            Add(SshKeywordKind.Deprecated, d);
        }

        foreach (string u in new[] { "afstokenpassing", "kerberosauthentication", "kerberostgtpassing",
                     "rsaauthentication", "rhostsrsaauthentication", "compressionlevel" })
        {
            Add(SshKeywordKind.Unsupported, u);
        }

        // GSSAPI (and Debian's GSSAPI key exchange patch): accepted and ignored, so stock configs load quietly.
        foreach (string g in new[] { "gssapiauthentication", "gssapidelegatecredentials", "gssapikeyexchange",
                     "gssapitrustdns", "gssapirenewalforcesrekey" })
        {
            Multi(s_flag, g);
        }

        Add(SshKeywordKind.Raw, "gssapiclientidentity");
        Add(SshKeywordKind.Raw, "gssapiserveridentity");
        Add(SshKeywordKind.Raw, "gssapikexalgorithms");
        Add(SshKeywordKind.String, "pkcs11provider", "smartcarddevice");

        Add(SshKeywordKind.ForwardAgent, "forwardagent");
        Multi(s_flag, "forwardx11");
        Multi(s_flag, "forwardx11trusted");
        Add(SshKeywordKind.Time, "forwardx11timeout");
        Multi(s_flag, "exitonforwardfailure");
        Add(SshKeywordKind.String, "xauthlocation");
        Multi(s_flag, "gatewayports");
        Multi(s_flag, "passwordauthentication");
        Multi(s_flag, "kbdinteractiveauthentication", "challengeresponseauthentication", "skeyauthentication", "tisauthentication");
        Add(SshKeywordKind.String, "kbdinteractivedevices");
        Multi(s_pubkeyAuth, "pubkeyauthentication", "dsaauthentication");
        Multi(s_flag, "hostbasedauthentication");
        Add(SshKeywordKind.IdentityFile, "identityfile", "identityfile2");
        Multi(s_flag, "identitiesonly");
        Add(SshKeywordKind.CertificateFile, "certificatefile");
        Add(SshKeywordKind.AddKeysToAgent, "addkeystoagent");
        Add(SshKeywordKind.IdentityAgent, "identityagent");
        Add(SshKeywordKind.String, "hostname");
        Add(SshKeywordKind.String, "hostkeyalias");
        Add(SshKeywordKind.Command, "proxycommand");
        Add(SshKeywordKind.Port, "port");
        Add(SshKeywordKind.Ciphers, "ciphers");
        Add(SshKeywordKind.Macs, "macs");
        Add(SshKeywordKind.Forward, "remoteforward");
        Add(SshKeywordKind.Forward, "localforward");
        Add(SshKeywordKind.PermitRemoteOpen, "permitremoteopen");
        Add(SshKeywordKind.String, "user");
        Add(SshKeywordKind.Host, "host");
        Add(SshKeywordKind.Match, "match");
        Add(SshKeywordKind.String, "tag");
        Add(SshKeywordKind.Raw, "escapechar");
        Add(SshKeywordKind.FileArray, "globalknownhostsfile");
        Add(SshKeywordKind.FileArray, "userknownhostsfile");
        Add(SshKeywordKind.Int, "connectionattempts");
        Multi(s_flag, "batchmode");
        Multi(s_flag, "checkhostip");
        Multi(s_strictHostKey, "stricthostkeychecking");
        Multi(s_compression, "compression");
        Multi(s_flag, "tcpkeepalive", "keepalive");
        Add(SshKeywordKind.Int, "numberofpasswordprompts");
        Add(SshKeywordKind.Raw, "syslogfacility");
        Add(SshKeywordKind.LogLevel, "loglevel");
        Add(SshKeywordKind.Raw, "logverbose");
        Add(SshKeywordKind.Forward, "dynamicforward");
        Add(SshKeywordKind.String, "preferredauthentications");
        Add(SshKeywordKind.KeyTypes, "hostkeyalgorithms");
        Add(SshKeywordKind.KeyTypes, "casignaturealgorithms");
        Add(SshKeywordKind.String, "bindaddress");
        Add(SshKeywordKind.String, "bindinterface");
        Multi(s_flag, "clearallforwardings");
        Multi(s_flag, "enablesshkeysign");
        Multi(s_yesNoAsk, "verifyhostkeydns");
        Multi(s_flag, "nohostauthenticationforlocalhost");
        Add(SshKeywordKind.RekeyLimit, "rekeylimit");
        Add(SshKeywordKind.Time, "connecttimeout");
        Multi(s_addressFamily, "addressfamily");
        Add(SshKeywordKind.Time, "serveraliveinterval");
        Add(SshKeywordKind.Int, "serveralivecountmax");
        Add(SshKeywordKind.SendEnv, "sendenv");
        Add(SshKeywordKind.Raw, "setenv");
        Add(SshKeywordKind.String, "controlpath");
        Multi(s_controlMaster, "controlmaster");
        Add(SshKeywordKind.Raw, "controlpersist");
        Multi(s_flag, "hashknownhosts");
        Add(SshKeywordKind.Include, "include");
        Multi(s_tunnel, "tunnel");
        Add(SshKeywordKind.Raw, "tunneldevice");
        Add(SshKeywordKind.Command, "localcommand");
        Multi(s_flag, "permitlocalcommand");
        Add(SshKeywordKind.Command, "remotecommand");
        Multi(s_flag, "visualhostkey");
        Add(SshKeywordKind.KexAlgorithms, "kexalgorithms");
        Add(SshKeywordKind.Raw, "ipqos");
        Multi(s_requestTty, "requesttty");
        Multi(s_sessionType, "sessiontype");
        Multi(s_flag, "stdinnull");
        Multi(s_flag, "forkafterauthentication");
        Multi(s_flag, "proxyusefdpass");
        Add(SshKeywordKind.Raw, "canonicaldomains");
        Multi(s_flag, "canonicalizefallbacklocal");
        Multi(s_canonicalize, "canonicalizehostname");
        Add(SshKeywordKind.Int, "canonicalizemaxdots");
        Add(SshKeywordKind.Raw, "canonicalizepermittedcnames");
        Add(SshKeywordKind.StreamLocalBindMask, "streamlocalbindmask");
        Multi(s_flag, "streamlocalbindunlink");
        Add(SshKeywordKind.Raw, "revokedhostkeys");
        Add(SshKeywordKind.Raw, "fingerprinthash");
        Multi(s_yesNoAsk, "updatehostkeys");
        Add(SshKeywordKind.KeyTypes, "hostbasedacceptedalgorithms", "hostbasedkeytypes");
        Add(SshKeywordKind.KeyTypes, "pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes");
        Add(SshKeywordKind.String, "ignoreunknown");
        Add(SshKeywordKind.ProxyJump, "proxyjump");
        Add(SshKeywordKind.String, "securitykeyprovider");
        Add(SshKeywordKind.Command, "knownhostscommand");
        Add(SshKeywordKind.Int, "requiredrsasize");
        Multi(s_flag, "enableescapecommandline");
        Add(SshKeywordKind.Raw, "obscurekeystroketiming");
        Add(SshKeywordKind.Raw, "channeltimeout");
        Add(SshKeywordKind.Raw, "versionaddendum");
        Add(SshKeywordKind.RefuseConnection, "refuseconnection");
        Multi(s_warnWeakCrypto, "warnweakcrypto");

        // sshtunnel's own keywords (not OpenSSH's: docs/RECONNECT.md). A config file shared with ssh needs
        // "IgnoreUnknown Reconnect*" for ssh to accept them.
        Multi(s_flag, "reconnect");
        Add(SshKeywordKind.Time, "reconnectmaxdelay");
        Add(SshKeywordKind.Int, "reconnectmaxattempts");
        return t;
    }
}
