using System.Globalization;

namespace SshTunnel.Wire;

/// <summary>
/// Makes text that a peer controls (banners, disconnect and channel-open failure descriptions, version strings, user
/// names, host names) safe to print to a terminal or a log: C0/C1 control characters (escape sequences, CR, LF) and
/// Unicode format characters (bidirectional overrides such as U+202E, zero-width characters) and line/paragraph
/// separators each become '?', so a peer can neither forge extra log lines nor make text display as something else.
/// </summary>
public static class PeerText
{
    /// <summary>Whether <paramref name="c"/> is never printed as it is.</summary>
    public static bool IsUnsafe(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>
    /// Returns <paramref name="text"/> with every unsafe character (see <see cref="IsUnsafe"/>) replaced by '?', except
    /// those listed in <paramref name="keep"/> (e.g. "\n\t" for a multi-line banner). Returns the same instance when
    /// nothing needs replacing (no allocation).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static string Sanitize(string text, string keep = "")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(keep);
        int first = 0;
        while (first < text.Length && (!IsUnsafe(text[first]) || keep.Contains(text[first], StringComparison.Ordinal))) first++;
        if (first == text.Length) return text;
        return string.Create(text.Length, (text, keep, first), static (span, state) =>
        {
            (string t, string k, int start) = state;
            t.AsSpan(0, start).CopyTo(span);
            for (int i = start; i < t.Length; i++)
            {
                char c = t[i];
                span[i] = IsUnsafe(c) && !k.Contains(c, StringComparison.Ordinal) ? '?' : c;
            }
        });
    }
}
