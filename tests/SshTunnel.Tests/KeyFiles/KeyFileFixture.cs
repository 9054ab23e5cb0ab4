namespace SshTunnel.Tests.KeyFiles;

/// <summary>Generates key files with ssh-keygen on first use and shares them between the tests of a class.</summary>
public sealed class KeyFileFixture : IDisposable
{
    public const string Passphrase = "secret";

    private readonly TempDirectory _directory = new();
    private readonly Dictionary<string, string> _generated = [];
    private readonly Lock _lock = new();

    public string Directory => _directory.Path;

    /// <summary>
    /// Returns the private key path for a named key, generating it with "ssh-keygen -q -C comment-NAME -f NAME ARGS"
    /// (the .pub file is next to it).
    /// </summary>
    public string Generate(string name, params string[] arguments)
    {
        lock (_lock)
        {
            if (_generated.TryGetValue(name, out string? existing)) return existing;
            string path = _directory.File(name);
            ExternalTools.Run(ExternalTools.SshKeygen, Directory, ["-q", "-C", "comment-" + name, "-f", path, .. arguments]);
            _generated[name] = path;
            return path;
        }
    }

    /// <summary>The blob of the .pub file next to <paramref name="privatePath"/>.</summary>
    public static byte[] PublicBlob(string privatePath) => PublicBlobFromLine(File.ReadAllText(privatePath + ".pub"));

    public static byte[] PublicBlobFromLine(string line) => Convert.FromBase64String(line.Trim().Split(' ')[1]);

    public void Dispose() => _directory.Dispose();
}
