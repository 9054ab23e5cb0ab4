using System.Diagnostics;

namespace SshTunnel.Tests.Fuzz;

/// <summary>
/// Runs a parser over many mutated inputs (fixed seed, bounded count and time) and fails on the first exception of a
/// type the parser does not document, reporting the seed, iteration and input so the case can be replayed.
/// </summary>
internal static class FuzzRunner
{
    /// <summary>Wall-clock budget of one fuzz loop; iterations stop early past it (the count is still the bound).</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Calls <paramref name="parse"/> on <paramref name="iterations"/> mutations of the seeds. Exceptions assignable to one
    /// of <paramref name="allowed"/> count as rejections; any other fails the test. Returns (accepted, rejected) counts.
    /// </summary>
    public static (int Accepted, int Rejected) Run(int seed, int iterations, IReadOnlyList<byte[]> seeds, Func<Mutator, byte[], byte[]> mutate,
        Action<byte[]> parse, params Type[] allowed) => Run(seed, iterations, seeds, mutate, parse, seedsMustParse: true, allowed);

    /// <summary>
    /// As above; with <paramref name="seedsMustParse"/> false the seeds may end in an allowed exception too (inputs
    /// that are valid but incomplete, such as a handshake cut before NEWKEYS, or encrypted keys without the passphrase).
    /// </summary>
    public static (int Accepted, int Rejected) Run(int seed, int iterations, IReadOnlyList<byte[]> seeds, Func<Mutator, byte[], byte[]> mutate,
        Action<byte[]> parse, bool seedsMustParse, params Type[] allowed)
    {
        var mutator = new Mutator(seed);
        var clock = Stopwatch.StartNew();
        int accepted = 0, rejected = 0;
        // The valid seeds themselves must parse: a fuzz loop over inputs that never get past the first check tests nothing.
        if (seedsMustParse)
        {
            foreach (byte[] valid in seeds) parse(valid);
        }
        for (int i = 0; i < iterations && clock.Elapsed < Budget; i++)
        {
            byte[] input = mutate(mutator, seeds[i % seeds.Count]);
            try
            {
                parse(input);
                accepted++;
            }
            catch (Exception e) when (allowed.Any(t => t.IsInstanceOfType(e)))
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed} iteration {i}: {e.GetType().Name} escaped (allowed: {string.Join(", ", allowed.Select(t => t.Name))}): {e.Message}\n" +
                    $"input ({input.Length} bytes): {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 512)))}\n{e}");
            }
        }
        return (accepted, rejected);
    }

    /// <summary>As <see cref="Run"/> with the default whole-input mutation.</summary>
    public static (int Accepted, int Rejected) Run(int seed, int iterations, IReadOnlyList<byte[]> seeds, Action<byte[]> parse, params Type[] allowed)
        => Run(seed, iterations, seeds, (m, s) => m.Mutate(s), parse, allowed);

    /// <summary>Text inputs: mutations of UTF-8 text, parsed as strings.</summary>
    public static (int Accepted, int Rejected) RunText(int seed, int iterations, IReadOnlyList<string> seeds, Action<string> parse, params Type[] allowed)
        => RunText(seed, iterations, seeds, parse, seedsMustParse: true, allowed);

    /// <summary>Text inputs, with <paramref name="seedsMustParse"/> as in <see cref="Run(int, int, IReadOnlyList{byte[]}, Func{Mutator, byte[], byte[]}, Action{byte[]}, bool, Type[])"/>.</summary>
    public static (int Accepted, int Rejected) RunText(int seed, int iterations, IReadOnlyList<string> seeds, Action<string> parse, bool seedsMustParse, params Type[] allowed)
        => Run(seed, iterations, [.. seeds.Select(System.Text.Encoding.UTF8.GetBytes)],
            (m, s) => System.Text.Encoding.UTF8.GetBytes(m.MutateText(System.Text.Encoding.UTF8.GetString(s))),
            bytes => parse(System.Text.Encoding.UTF8.GetString(bytes)), seedsMustParse, allowed);
}
