namespace SshTunnel.Daemon.Config;

/// <summary>The keywords sshtunneld knows (servconf.c keyword table, restricted to what a forwarding gateway does).</summary>
internal static class ConfigKeywords
{
    /// <summary>How a keyword is treated.</summary>
    internal enum Kind
    {
        /// <summary>Implemented.</summary>
        Supported,

        /// <summary>Known sshd keyword with no effect on a forwarding gateway: warning "Unsupported option X", ignored.</summary>
        Ignored,

        /// <summary>Known sshd keyword whose restriction we do not implement: error "Unsupported option X" (ignoring it could open access).</summary>
        Refused,

        /// <summary>sshd's deprecated keywords: warning "Deprecated option X".</summary>
        Deprecated,

        /// <summary>sshd ignores it silently (Protocol).</summary>
        Silent,
    }

    /// <summary>Keyword facts: canonical name (lower case as sshd -T), treatment, allowed inside Match.</summary>
    internal sealed record Info(string Name, Kind Kind, bool InMatch);

    private static readonly Dictionary<string, Info> s_table = Build();

    /// <summary>Looks a keyword up, case-insensitively; aliases map to their canonical keyword.</summary>
    public static Info? Find(string keyword) => s_table.GetValueOrDefault(keyword);

    private static Dictionary<string, Info> Build()
    {
        var t = new Dictionary<string, Info>(StringComparer.OrdinalIgnoreCase);
        void Add(string name, Kind kind, bool inMatch, params string[] aliases)
        {
            var info = new Info(name, kind, inMatch);
            t[name] = info;
            foreach (string a in aliases) t[a] = info;
        }

        // Global only.
        foreach (string k in new[] { "port", "listenaddress", "hostkey", "logingracetime", "maxstartups", "ciphers", "macs", "kexalgorithms", "hostkeyalgorithms", "passwordfile",
            "tcpkeepalive", "persourcemaxstartups",
            // sshd allows these two in Match; the gateway applies them server-wide, so inside Match they are an error
            // rather than silently global.
            "streamlocalbindmask", "streamlocalbindunlink" })
        {
            Add(k, Kind.Supported, false);
        }
        t["hostdsakey"] = t["hostkey"];
        t["keepalive"] = t["tcpkeepalive"];
        // Allowed in Match (SSHCFG_ALL in sshd).
        foreach (string k in new[]
        {
            "authorizedkeysfile", "allowusers", "denyusers", "pubkeyauthentication", "passwordauthentication",
            "kbdinteractiveauthentication", "permitrootlogin", "allowtcpforwarding", "allowstreamlocalforwarding",
            "disableforwarding", "gatewayports", "permitopen", "permitlisten", "maxauthtries", "maxsessions",
            "clientaliveinterval", "clientalivecountmax", "loglevel",
        })
        {
            Add(k, Kind.Supported, true);
        }
        t["challengeresponseauthentication"] = t["kbdinteractiveauthentication"];
        t["skeyauthentication"] = t["kbdinteractiveauthentication"];
        t["dsaauthentication"] = new Info("pubkeyauthentication", Kind.Supported, false);
        t["match"] = new Info("match", Kind.Supported, true);

        foreach (string k in new[]
        {
            "usepam", "x11forwarding", "x11displayoffset", "x11uselocalhost", "xauthlocation", "printmotd", "printlastlog",
            "acceptenv", "setenv", "subsystem", "usedns", "pidfile", "syslogfacility",
            "compression", "permittty", "permituserrc", "allowagentforwarding", "strictmodes", "ignorerhosts",
            "ignoreuserknownhosts", "banner", "permittunnel", "ipqos",
            "rekeylimit", "versionaddendum", "modulifile", "hostbasedauthentication", "hostbasedusesnamefrompacketonly",
            "hostbasedacceptedalgorithms", "hostbasedacceptedkeytypes", "gssapiauthentication",
            "gssapicleanupcredentials", "gssapistrictacceptorcheck", "kerberosauthentication", "kerberosorlocalpasswd",
            "kerberosticketcleanup", "kerberosgetafstoken", "kerberostgtpassing", "afstokenpassing", "addressfamily",
            "persourcenetblocksize", "fingerprinthash", "exposeauthinfo", "logverbose", "rdomain",
            "hostcertificate", "casignaturealgorithms", "securitykeyprovider", "channeltimeout",
            "unusedconnectiontimeout", "permitemptypasswords", "permituserenvironment",
        })
        {
            Add(k, Kind.Ignored, true);
        }
        foreach (string k in new[]
        {
            "allowgroups", "denygroups", "authenticationmethods", "forcecommand", "chrootdirectory", "trustedusercakeys",
            "revokedkeys", "authorizedkeyscommand", "authorizedkeyscommanduser", "authorizedprincipalsfile",
            "authorizedprincipalscommand", "authorizedprincipalscommanduser", "pubkeyacceptedalgorithms",
            "pubkeyacceptedkeytypes", "pubkeyauthoptions", "requiredrsasize", "hostkeyagent", "include",
        })
        {
            Add(k, Kind.Refused, true);
        }
        foreach (string k in new[]
        {
            "pamauthenticationviakbdint", "serverkeybits", "keyregenerationinterval", "rhostsauthentication",
            "rhostsrsaauthentication", "rsaauthentication", "checkmail", "uselogin", "verifyreversemapping",
            "reversemappingcheck", "authorizedkeysfile2", "useprivilegeseparation",
        })
        {
            Add(k, Kind.Deprecated, true);
        }
        Add("protocol", Kind.Silent, false);
        return t;
    }
}
