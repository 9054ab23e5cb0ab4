namespace SshTunnel.Cli.Arguments;

/// <summary>A small glob(3) for Include: <c>*</c>, <c>?</c> in any path component; results sorted; no match
/// yields nothing (GLOB_NOMATCH).</summary>
internal static class SshGlob
{
    public static IEnumerable<string> Expand(string pattern)
    {
        if (pattern.IndexOfAny(['*', '?', '[']) < 0)
        {
            return File.Exists(pattern) || Directory.Exists(pattern) ? [pattern] : [];
        }

        string root = Path.IsPathRooted(pattern) ? Path.GetPathRoot(pattern)! : "";
        string[] parts = pattern[root.Length..].Split(['/', Path.DirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        var current = new List<string> { root };
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            var next = new List<string>();
            foreach (string dir in current)
            {
                string baseDir = dir.Length == 0 ? "." : dir;
                if (parts[i].IndexOfAny(['*', '?']) < 0)
                {
                    string candidate = Path.Combine(dir, parts[i]);
                    if (last ? File.Exists(candidate) || Directory.Exists(candidate) : Directory.Exists(candidate))
                    {
                        next.Add(candidate);
                    }

                    continue;
                }

                if (!Directory.Exists(baseDir))
                {
                    continue;
                }

                IEnumerable<string> entries;
                try
                {
                    entries = last ? Directory.EnumerateFileSystemEntries(baseDir) : Directory.EnumerateDirectories(baseDir);
                }
                catch (IOException)
                {
                    continue;
                }
                catch (UnauthorizedAccessException)
                {
                    continue;
                }

                foreach (string entry in entries)
                {
                    string name = Path.GetFileName(entry);
                    if (name.StartsWith('.') && !parts[i].StartsWith('.'))
                    {
                        continue;
                    }

                    if (SshConfigText.MatchPattern(name, parts[i]))
                    {
                        next.Add(Path.Combine(dir, name));
                    }
                }
            }

            current = next;
        }

        current.Sort(StringComparer.Ordinal);
        return current;
    }
}
