namespace SshTunnel.Cli.Arguments;

/// <summary>OpenSSH's <c>match_cfg_line</c>: evaluates the criteria of a <c>Match</c> line.</summary>
internal sealed class SshMatchEvaluator(SshOptions options, SshConfigContext context)
{
    /// <summary>Returns 1 (match), 0 (no match) or -1 (error, message added to <paramref name="errors"/>).</summary>
    public int Evaluate(Func<string?> next, string where, List<string> errors, out bool wantFinalPass)
    {
        wantFinalPass = false;
        int result = 1;
        int attributes = 0;
        while (next() is { } token)
        {
            if (token.StartsWith('#'))
            {
                while (next() is not null)
                {
                }

                break;
            }

            string original = token;
            bool negate = token.StartsWith('!');
            string attrib = negate ? token[1..] : token;
            if (string.Equals(attrib, "all", StringComparison.OrdinalIgnoreCase))
            {
                string? extra = next();
                if (attributes > 1 || (extra is not null && extra.Length > 0 && extra[0] != '#'))
                {
                    errors.Add($"{where}: '{original}' cannot be combined with other Match attributes");
                    return -1;
                }

                while (next() is not null)
                {
                }

                return result != 0 ? (negate ? 0 : 1) : 0;
            }

            attributes++;
            if (string.Equals(attrib, "canonical", StringComparison.OrdinalIgnoreCase) ||
                string.Equals(attrib, "final", StringComparison.OrdinalIgnoreCase))
            {
                if (string.Equals(attrib, "final", StringComparison.OrdinalIgnoreCase))
                {
                    wantFinalPass |= !negate;
                }

                if (context.FinalPass == negate)
                {
                    result = 0;
                }

                continue;
            }

            string? arg;
            int eq = attrib.IndexOf('=', StringComparison.Ordinal);
            string[] inline = ["host", "originalhost", "user", "localuser", "localnetwork", "version", "tagged", "command", "exec"];
            if (eq > 0 && inline.Contains(attrib[..eq], StringComparer.OrdinalIgnoreCase))
            {
                arg = attrib[(eq + 1)..];
                attrib = attrib[..eq];
            }
            else if ((arg = next()) is null)
            {
                errors.Add($"{where}: missing argument for Match '{original}'");
                return -1;
            }

            string lower = attrib.ToLowerInvariant();
            if (arg.Length == 0 && lower is not ("tagged" or "command"))
            {
                arg = null;
            }

            if (arg is null || arg.StartsWith('#'))
            {
                errors.Add($"Missing Match criteria for {attrib}");
                return -1;
            }

            bool matched;
            switch (lower)
            {
                case "host":
                    matched = SshConfigText.MatchHostname(context.MatchHost(options), arg) == 1;
                    break;
                case "originalhost":
                    matched = SshConfigText.MatchHostname(context.OriginalHost, arg) == 1;
                    break;
                case "user":
                    matched = SshConfigText.MatchPatternList(options.Get("user") ?? context.LocalUser, arg, false) == 1;
                    break;
                case "localuser":
                    matched = SshConfigText.MatchPatternList(context.LocalUser, arg, false) == 1;
                    break;
                case "tagged":
                {
                    string tag = options.Get("tag") ?? "";
                    matched = tag.Length == 0 ? arg.Length == 0 : SshConfigText.MatchPatternList(tag, arg, false) == 1;
                    break;
                }

                case "command":
                    matched = context.RemoteCommand.Length == 0
                        ? arg.Length == 0
                        : SshConfigText.MatchPatternList(context.RemoteCommand, arg, false) == 1;
                    break;
                case "sessiontype":
                {
                    string type = options.Get("sessiontype") switch
                    {
                        "subsystem" => "subsystem",
                        "none" => "none",
                        _ => context.RemoteCommand.Length > 0 ? "exec" : "shell",
                    };
                    matched = SshConfigText.MatchPatternList(type, arg, false) == 1;
                    break;
                }

                case "exec":
                    if (result != 1)
                    {
                        continue; // OpenSSH skips the command when an earlier criterion failed.
                    }

                    matched = context.RunCommand(context.ExpandTokens(arg, options));
                    break;
                default:
                    // localnetwork and version are not implemented.
                    errors.Add($"Unsupported Match attribute {attrib}");
                    return -1;
            }

            if (matched == negate)
            {
                result = 0;
            }
        }

        if (attributes == 0)
        {
            errors.Add("One or more attributes required for Match");
            return -1;
        }

        return result;
    }
}
