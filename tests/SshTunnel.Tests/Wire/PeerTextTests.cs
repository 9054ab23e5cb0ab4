using SshTunnel.Wire;

namespace SshTunnel.Tests.Wire;

public class PeerTextTests
{
    [Theory]
    [InlineData("plain text, ünïcødé and 🔑", "plain text, ünïcødé and 🔑")]
    [InlineData("line\nAccepted publickey for root", "line?Accepted publickey for root")]
    [InlineData("\u001b[31mred\u001b[0m", "?[31mred?[0m")]
    [InlineData("\r\u0007\u007f\u0085", "????")]
    [InlineData("file\u202Egpj.exe", "file?gpj.exe")]          // right-to-left override
    [InlineData("a\u2066b\u2069c\u200Bd\uFEFF", "a?b?c?d?")]   // isolates, zero-width space, BOM
    [InlineData("x\u2028y\u2029z", "x?y?z")]                   // line and paragraph separators
    public void Unsafe_characters_become_question_marks(string input, string expected)
        => Assert.Equal(expected, PeerText.Sanitize(input));

    [Fact]
    public void Kept_characters_stay_and_clean_text_is_not_copied()
    {
        Assert.Equal("banner\n\tline 2?", PeerText.Sanitize("banner\n\tline 2\u001b", keep: "\n\t"));
        string clean = "nothing to do";
        Assert.Same(clean, PeerText.Sanitize(clean));
    }
}
