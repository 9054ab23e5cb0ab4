using System.Runtime.CompilerServices;

// Tests check how the configuration is turned into SshServerOptions (Program.BuildServerOptions).
[assembly: InternalsVisibleTo("SshTunnel.Tests")]
