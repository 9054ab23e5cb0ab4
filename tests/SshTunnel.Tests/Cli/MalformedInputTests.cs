using SshTunnel.Cli.Arguments;
using SshTunnel.Forwarding;

namespace SshTunnel.Tests.Cli;

/// <summary>Random junk built from the parsers' special characters must only ever produce the documented
/// exceptions (bounded, deterministic).</summary>
public class MalformedInputTests
{
    private const string Alphabet = "[]:/\\${}*?!@=\"' \t#-,%0189ahL";

    private static string Junk(Random rng, int max)
    {
        var chars = new char[rng.Next(max)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[rng.Next(Alphabet.Length)];
        }

        return new string(chars);
    }

    [Fact]
    public void Forward_specs_throw_only_FormatException()
    {
        var rng = new Random(1234);
        for (int i = 0; i < 3000; i++)
        {
            string spec = Junk(rng, 24);
            foreach (Func<string, ForwardSpec> parse in new Func<string, ForwardSpec>[]
                     { ForwardSpecParser.ParseLocal, ForwardSpecParser.ParseRemote, ForwardSpecParser.ParseDynamic })
            {
                try
                {
                    ForwardSpec f = parse(spec);
                    Assert.NotNull(f.ToString());
                }
                catch (FormatException)
                {
                }
            }
        }
    }

    [Fact]
    public void Command_lines_and_config_lines_throw_only_SshConfigException()
    {
        var rng = new Random(4321);
        string dir = Directory.CreateTempSubdirectory("sshtunnel-fuzz-").FullName;
        try
        {
            for (int i = 0; i < 1500; i++)
            {
                string[] args = [.. Enumerable.Range(0, rng.Next(5)).Select(_ => "-" + Junk(rng, 8)), Junk(rng, 6), "-o", Junk(rng, 20)];
                try
                {
                    OpenSshArguments.Parse(args, _ => false, dir);
                }
                catch (SshConfigException)
                {
                }

                string cfg = Path.Combine(dir, "c");
                File.WriteAllText(cfg, string.Join('\n', Enumerable.Range(0, 4).Select(_ =>
                    new[] { "Host ", "Match ", "LocalForward ", "Port ", "ProxyJump ", "User ", "RekeyLimit " }[rng.Next(7)] + Junk(rng, 16))));
                try
                {
                    OpenSshArguments.Parse(["-F", cfg, "h"], _ => false, dir)
                        .Resolve(new SshConfigContext { Host = "", OriginalHost = "", HomeDirectory = dir, RunCommand = _ => false }, "/nonexistent");
                }
                catch (SshConfigException)
                {
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
