using System.Text;

namespace SshTunnel.Cli;

/// <summary>Questions on the terminal, as ssh asks them: secrets without echo, on /dev/tty when stdin is redirected.</summary>
internal static class TerminalPrompt
{
    /// <summary>Asks for a secret without echo; null when there is no terminal or the user gave EOF.</summary>
    public static string? ReadSecret(string prompt) => Read(prompt, echo: false);

    /// <summary>Asks a question with echo; null when there is no terminal.</summary>
    public static string? ReadLine(string prompt) => Read(prompt, echo: true);

    private static string? Read(string prompt, bool echo)
    {
        if (Console.IsInputRedirected) return ReadFromTty(prompt, echo);
        Console.Error.Write(prompt);
        if (echo) return Console.ReadLine();
        var text = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0) text.Length--;
                continue;
            }
            if (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key is ConsoleKey.D or ConsoleKey.C)
            {
                Console.Error.WriteLine();
                return null;
            }
            if (key.KeyChar != '\0') text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }

    /// <summary>stdin is not a terminal: use /dev/tty, turning echo off with stty for secrets.</summary>
    private static string? ReadFromTty(string prompt, bool echo)
    {
        try
        {
            using var tty = new FileStream("/dev/tty", FileMode.Open, FileAccess.ReadWrite);
            using var writer = new StreamWriter(tty, leaveOpen: true) { AutoFlush = true };
            writer.Write(prompt);
            if (!echo) Stty("-echo");
            try
            {
                using var reader = new StreamReader(tty, leaveOpen: true);
                string? line = reader.ReadLine();
                if (!echo) writer.Write("\n");
                return line;
            }
            finally
            {
                if (!echo) Stty("echo");
            }
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Stty(string setting)
    {
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("stty " + setting + " < /dev/tty");
            using var p = System.Diagnostics.Process.Start(psi);
            p?.WaitForExit(2000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // no shell: the secret is echoed, which is still better than not asking
        }
    }
}
