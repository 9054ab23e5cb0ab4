namespace SshTunnel.Daemon;

internal static class Program
{
    private static int Main(string[] args) => 1;
}
