namespace SshTunnel.Daemon.Config;

/// <summary>
/// Splits one sshd_config line the way sshd does (servconf.c process_server_config_line_depth with misc.c strdelim
/// and argv_split): a case-insensitive keyword ended by whitespace or one <c>=</c>, then arguments with
/// <c>"</c>/<c>'</c> quoting, backslash escapes, and <c>#</c> starting a comment at the beginning of an argument.
/// </summary>
internal static class ConfigLineTokenizer
{
    /// <summary>Outcome of splitting a line.</summary>
    internal enum Result
    {
        /// <summary>Blank or comment line.</summary>
        Empty,

        /// <summary>Keyword and arguments found.</summary>
        Ok,

        /// <summary>Keyword without anything after it.</summary>
        NoArgument,

        /// <summary>Unterminated quote in the arguments.</summary>
        InvalidQuotes,
    }

    /// <summary>Splits <paramref name="line"/>; <paramref name="rest"/> is the raw text after the keyword.</summary>
    public static Result Split(string line, out string keyword, out List<string> arguments, out string rest)
    {
        keyword = "";
        rest = "";
        arguments = [];
        string s = line.TrimEnd(' ', '\t', '\r', '\n', '\f');
        int i = 0;
        while (i < s.Length && s[i] is ' ' or '\t' or '\r' or '\n') i++;
        int start = i;
        while (i < s.Length && s[i] is not (' ' or '\t' or '\r' or '\n' or '"' or '=')) i++;
        keyword = s[start..i];
        if (keyword.Length == 0 || keyword[0] == '#') return Result.Empty;
        if (i < s.Length)
        {
            bool sawEquals = s[i] == '=';
            i++;
            while (i < s.Length && s[i] is ' ' or '\t' or '\r' or '\n') i++;
            if (!sawEquals && i < s.Length && s[i] == '=')
            {
                i++;
                while (i < s.Length && s[i] is ' ' or '\t' or '\r' or '\n') i++;
            }
        }
        rest = s[i..];
        if (rest.Length == 0) return Result.NoArgument;
        return SplitArguments(rest, arguments) ? Result.Ok : Result.InvalidQuotes;
    }

    /// <summary>argv_split with terminate_on_comment: false on an unterminated quote.</summary>
    public static bool SplitArguments(string s, List<string> arguments)
    {
        var arg = new System.Text.StringBuilder();
        int i = 0;
        while (i < s.Length)
        {
            if (s[i] is ' ' or '\t')
            {
                i++;
                continue;
            }
            if (s[i] == '#') break;
            char quote = '\0';
            arg.Clear();
            for (; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '\\' && i + 1 < s.Length && (s[i + 1] is '\'' or '"' or '\\' || (quote == '\0' && s[i + 1] == ' ')))
                {
                    arg.Append(s[++i]);
                }
                else if (quote == '\0' && c is ' ' or '\t')
                {
                    break;
                }
                else if (quote == '\0' && c is '"' or '\'')
                {
                    quote = c;
                }
                else if (quote != '\0' && c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    arg.Append(c);
                }
            }
            if (quote != '\0') return false;
            arguments.Add(arg.ToString());
        }
        return true;
    }
}
