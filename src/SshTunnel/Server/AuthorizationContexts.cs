using System.Net;
using SshTunnel.Keys;

namespace SshTunnel.Server;

/// <summary>A publickey authentication attempt (RFC 4252 §7) for the server's authorizer.</summary>
/// <param name="UserName">The user name the client asked for.</param>
/// <param name="RemoteEndPoint">The client's address and port.</param>
/// <param name="Key">The public key offered. Called for the query (before the signature) and again after the
/// signature was verified; only the latter can log the user in.</param>
public sealed record PublicKeyAuthorizationContext(string UserName, IPEndPoint RemoteEndPoint, SshPublicKey Key);

/// <summary>A password authentication attempt (RFC 4252 §8) for the server's authorizer.</summary>
/// <param name="UserName">The user name the client asked for.</param>
/// <param name="RemoteEndPoint">The client's address and port.</param>
/// <param name="Password">The password; compare in constant time and never log it.</param>
public sealed record PasswordAuthorizationContext(string UserName, IPEndPoint RemoteEndPoint, string Password);
