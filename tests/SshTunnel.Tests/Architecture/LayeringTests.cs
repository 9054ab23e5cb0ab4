using System.Text.RegularExpressions;

namespace SshTunnel.Tests.Architecture;

/// <summary>
/// The library's layers (STYLE.md §1.2): each source folder may only use the namespaces its row allows, so
/// dependencies point one way, towards Wire. Scans the using directives of every file under src/SshTunnel.
/// </summary>
public partial class LayeringTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Errors"] = [],
        ["Wire"] = ["Errors"],
        ["Diagnostics"] = ["Errors"],
        ["Keys"] = ["Wire", "Errors"],
        ["Transport"] = ["Wire", "Errors", "Keys", "Diagnostics"],
        ["Authentication"] = ["Wire", "Errors", "Keys", "Transport", "Diagnostics"],
        ["Connection"] = ["Wire", "Errors", "Transport", "Diagnostics"],
        ["Socks"] = [],
        ["Forwarding"] = ["Wire", "Errors", "Connection", "Socks", "Diagnostics"],
        ["Client"] = ["Wire", "Errors", "Keys", "Transport", "Authentication", "Connection", "Socks", "Forwarding", "Diagnostics"],
        ["Server"] = ["Wire", "Errors", "Keys", "Transport", "Authentication", "Connection", "Socks", "Forwarding", "Diagnostics"],
    };

    [GeneratedRegex(@"^\s*using\s+(?:static\s+)?SshTunnel\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex ProjectUsing();

    private static string LibraryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SshTunnel.slnx"))) directory = directory.Parent;
        Assert.NotNull(directory);
        return Path.Combine(directory!.FullName, "src", "SshTunnel");
    }

    [Fact]
    public void EveryFolderUsesOnlyTheLayersBelowIt()
    {
        string root = LibraryRoot();
        var violations = new List<string>();
        int files = 0;
        foreach (string path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, path);
            if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal)) continue;
            string folder = relative.Split(Path.DirectorySeparatorChar)[0];
            if (!Allowed.TryGetValue(folder, out string[]? allowed))
            {
                violations.Add($"{relative}: folder '{folder}' has no row in the layering table");
                continue;
            }
            files++;
            foreach (Match match in ProjectUsing().Matches(File.ReadAllText(path)))
            {
                string used = match.Groups[1].Value;
                if (used != folder && !allowed.Contains(used)) violations.Add($"{relative}: {folder} must not use SshTunnel.{used}");
            }
        }
        Assert.True(files > 100, $"only {files} files scanned");
        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public void TheTableCatchesAViolation()
    {
        // The check itself must be able to fail: a Wire file using Transport is reported.
        Match match = ProjectUsing().Match("using SshTunnel.Transport;\nnamespace SshTunnel.Wire;");
        Assert.True(match.Success);
        Assert.DoesNotContain(match.Groups[1].Value, Allowed["Wire"]);
    }
}
