using Microsoft.Extensions.Logging;
using SshTunnel.Daemon;

namespace SshTunnel.Tests.Daemon;

/// <summary>The daemon's stderr sink: one line per write, whatever the text carries.</summary>
public sealed class StderrLoggerTests
{
    [Fact]
    public void ControlCharacters_in_message_and_exception_become_question_marks()
    {
        var output = new StringWriter();
        var provider = new StderrLoggerProvider(LogLevel.Debug, output);
        ILogger logger = provider.CreateLogger("x");
        logger.Log(LogLevel.Information, default, "Invalid user evil\nAccepted publickey for root\u001b[2J from 10.0.0.1", null, static (s, _) => s);
        var error = new InvalidOperationException("bad name 'a\r\nb'");
        logger.Log(LogLevel.Debug, default, "channel open handler for t\u0007 failed", error, static (s, _) => s);
        Assert.Equal(
            "Invalid user evil?Accepted publickey for root?[2J from 10.0.0.1\n" +
            "debug1: channel open handler for t? failed: bad name 'a??b'\n",
            output.ToString().ReplaceLineEndings("\n"));
    }
}
