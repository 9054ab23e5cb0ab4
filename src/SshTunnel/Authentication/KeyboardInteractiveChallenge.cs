namespace SshTunnel.Authentication;

/// <summary>One prompt of a keyboard-interactive request (RFC 4256 §3.2).</summary>
/// <param name="Prompt">The prompt text from the server (sanitise control characters before display).</param>
/// <param name="Echo">True when the answer may be shown as typed; false for secrets.</param>
public readonly record struct KeyboardInteractivePrompt(string Prompt, bool Echo);

/// <summary>A keyboard-interactive information request from the server (RFC 4256 §3.2).</summary>
/// <param name="UserName">The user being authenticated.</param>
/// <param name="Name">The request's title, possibly empty.</param>
/// <param name="Instruction">Instruction text, possibly empty.</param>
/// <param name="Prompts">The prompts, possibly none (then only the texts are to be shown).</param>
public sealed record KeyboardInteractiveChallenge(string UserName, string Name, string Instruction, IReadOnlyList<KeyboardInteractivePrompt> Prompts);
