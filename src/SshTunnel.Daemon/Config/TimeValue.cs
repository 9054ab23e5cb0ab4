namespace SshTunnel.Daemon.Config;

/// <summary>
/// sshd_config(5) "TIME FORMATS" (misc.c convtime): a sequence of <c>time[qualifier]</c> where qualifier is none or
/// s (seconds), m (minutes), h (hours), d (days), w (weeks), case-insensitive; the parts are added: <c>1h30m</c>.
/// </summary>
public static class TimeValue
{
    /// <summary>Parses a time value to seconds; null when invalid or above int.MaxValue seconds.</summary>
    public static int? ParseSeconds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return null;
        long total = 0;
        int i = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start || i - start > 10) return null;
            long value = long.Parse(text.AsSpan(start, i - start), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
            long multiplier = 1;
            if (i < text.Length)
            {
                multiplier = char.ToLowerInvariant(text[i]) switch
                {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86400,
                    'w' => 604800,
                    _ => -1,
                };
                if (multiplier < 0) return null;
                i++;
            }
            if (value > int.MaxValue / multiplier) return null;
            total += value * multiplier;
            if (total > int.MaxValue) return null;
        }
        return (int)total;
    }
}
