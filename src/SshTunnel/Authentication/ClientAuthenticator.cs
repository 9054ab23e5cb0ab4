using SshTunnel.Authentication.Agent;
using SshTunnel.Authentication.Methods;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Transport;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.UserAuth;

namespace SshTunnel.Authentication;

/// <summary>
/// Client side of user authentication (RFC 4252, RFC 4256): requests the ssh-userauth service, sends "none" to
/// learn the allowed methods, then tries publickey, keyboard-interactive and password in
/// <see cref="ClientAuthenticationOptions.PreferredAuthentications"/> order, as OpenSSH's ssh does.
/// </summary>
internal sealed partial class ClientAuthenticator
{
    /// <summary>Most USERAUTH_REQUESTs sent on one connection before giving up.</summary>
    public const int MaxRequests = 64;

    /// <summary>Most keyboard-interactive INFO_REQUEST rounds in one attempt.</summary>
    public const int MaxInfoRounds = 32;

    private readonly IPacketTransport _transport;
    private readonly ClientAuthenticationOptions _options;
    private IReadOnlyList<string> _allowedMethods = [];
    private int _requestCount;

    private ClientAuthenticator(IPacketTransport transport, ClientAuthenticationOptions options)
    {
        _transport = transport;
        _options = options;
    }

    /// <summary>
    /// Authenticates as <see cref="ClientAuthenticationOptions.UserName"/>; returns once SSH_MSG_USERAUTH_SUCCESS arrived
    /// (the connection protocol may start).
    /// </summary>
    /// <exception cref="SshAuthenticationException">No method succeeded: "user@host: Permission denied (methods)."</exception>
    /// <exception cref="SshProtocolException">The server broke the protocol; the transport has been aborted.</exception>
    /// <exception cref="SshConnectionException">The connection closed (e.g. the server disconnected after too many failures).</exception>
    /// <returns>The method that succeeded ("none", "publickey", "keyboard-interactive" or "password").</returns>
    public static async Task<string> AuthenticateAsync(IPacketTransport transport, ClientAuthenticationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        var authenticator = new ClientAuthenticator(transport, options);
        try
        {
            return await authenticator.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SshProtocolException e)
        {
            transport.Abort(e, e.Reason);
            throw;
        }
    }

    private async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        await SendServiceRequestAsync(cancellationToken).ConfigureAwait(false);

        await SendRequestAsync(UserAuthRequestMessage.None(_options.UserName, ServiceNames.Connection), cancellationToken).ConfigureAwait(false);
        if ((await ReceiveResponseAsync(Pending.Final, cancellationToken).ConfigureAwait(false)).Kind == ResponseKind.Success) return "none";

        var publicKey = new PublicKeyMethod(this);
        try
        {
            AuthenticationMethod[] methods = [publicKey, new KeyboardInteractiveMethod(this), new PasswordMethod(this)];
            var exhausted = new HashSet<string>();
            while (true)
            {
                AuthenticationMethod? method = SelectMethod(methods, exhausted);
                if (method is null) throw PermissionDenied();
                Outcome outcome = await method.TryNextAsync(cancellationToken).ConfigureAwait(false);
                if (outcome == Outcome.Success) return method.Name;
                if (outcome == Outcome.Exhausted) exhausted.Add(method.Name);
            }
        }
        finally
        {
            publicKey.Dispose();
        }
    }

    /// <summary>First method in PreferredAuthentications order that the server allows, is enabled, and has attempts left (OpenSSH authmethod_get).</summary>
    private AuthenticationMethod? SelectMethod(AuthenticationMethod[] methods, HashSet<string> exhausted)
    {
        foreach (string name in _options.PreferredAuthentications)
        {
            if (exhausted.Contains(name) || !_allowedMethods.Contains(name)) continue;
            foreach (AuthenticationMethod method in methods)
            {
                if (method.Name == name && method.IsEnabled) return method;
            }
        }
        return null;
    }

    private SshAuthenticationException PermissionDenied()
        => new($"{_options.UserName}@{_options.Host}: Permission denied ({string.Join(',', _allowedMethods)}).");

    private async Task SendServiceRequestAsync(CancellationToken cancellationToken)
    {
        var writer = new SshWriter(32);
        new ServiceRequestMessage(ServiceNames.UserAuth).Write(ref writer);
        await _transport.SendAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);

        using Packet packet = await _transport.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        if (packet.MessageNumber != MessageNumber.ServiceAccept)
        {
            throw new SshProtocolException($"expected SSH_MSG_SERVICE_ACCEPT, got message {(byte)packet.MessageNumber}");
        }
        var reader = new SshReader(packet.Payload);
        ServiceAcceptMessage accept = ServiceAcceptMessage.Read(ref reader);
        if (accept.ServiceName != ServiceNames.UserAuth)
        {
            throw new SshProtocolException($"server accepted service \"{accept.ServiceName}\" instead of {ServiceNames.UserAuth}");
        }
    }

    private async ValueTask SendRequestAsync(UserAuthRequestMessage request, CancellationToken cancellationToken)
    {
        if (++_requestCount > MaxRequests) throw PermissionDenied();
        var writer = new SshWriter(256);
        request.Write(ref writer);
        await _transport.SendAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SendInfoResponseAsync(IReadOnlyList<string> responses, CancellationToken cancellationToken)
    {
        var writer = new SshWriter(256);
        new UserAuthInfoResponseMessage(responses).Write(ref writer);
        await _transport.SendAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What message 60 means for the request in flight (RFC 4252 §7, §8; RFC 4256 §3.2).</summary>
    private enum Pending
    {
        /// <summary>Only SUCCESS or FAILURE may answer (none, signed publickey).</summary>
        Final,
        /// <summary>A publickey query: 60 is PK_OK.</summary>
        PublicKeyQuery,
        /// <summary>A password request: 60 is PASSWD_CHANGEREQ.</summary>
        Password,
        /// <summary>keyboard-interactive: 60 is INFO_REQUEST.</summary>
        KeyboardInteractive,
    }

    private enum ResponseKind { Success, Failure, PkOk, InfoRequest, PasswordChangeRequest }

    private readonly record struct Response(ResponseKind Kind, UserAuthPkOkMessage PkOk = default, UserAuthInfoRequestMessage InfoRequest = default);

    /// <summary>
    /// Reads packets until an answer to the pending request arrives; delivers banners on the way. Anything else
    /// (connection-layer messages, a message 60 that the pending request cannot produce, malformed packets) is a protocol error.
    /// </summary>
    private async ValueTask<Response> ReceiveResponseAsync(Pending pending, CancellationToken cancellationToken)
    {
        while (true)
        {
            using Packet packet = await _transport.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            var reader = new SshReader(packet.Payload);
            switch (packet.MessageNumber)
            {
                case MessageNumber.UserAuthBanner:
                {
                    UserAuthBannerMessage banner = UserAuthBannerMessage.Read(ref reader);
                    _options.BannerCallback?.Invoke(banner.Message);
                    continue;
                }
                case MessageNumber.UserAuthSuccess:
                    UserAuthSuccessMessage.Read(ref reader);
                    return new Response(ResponseKind.Success);
                case MessageNumber.UserAuthFailure:
                {
                    UserAuthFailureMessage failure = UserAuthFailureMessage.Read(ref reader);
                    _allowedMethods = failure.AuthenticationsThatCanContinue;
                    return new Response(ResponseKind.Failure);
                }
                case MessageNumber.UserAuthPkOk when pending == Pending.PublicKeyQuery:
                    return new Response(ResponseKind.PkOk, PkOk: UserAuthPkOkMessage.Read(ref reader));
                case MessageNumber.UserAuthPkOk when pending == Pending.KeyboardInteractive:
                    return new Response(ResponseKind.InfoRequest, InfoRequest: UserAuthInfoRequestMessage.Read(ref reader));
                case MessageNumber.UserAuthPkOk when pending == Pending.Password:
                    // SSH_MSG_USERAUTH_PASSWD_CHANGEREQ: string prompt, string language tag. Changing passwords is not supported.
                    reader.ReadByte();
                    reader.ReadUtf8String();
                    reader.ReadUtf8String();
                    reader.ReadEnd();
                    return new Response(ResponseKind.PasswordChangeRequest);
                default:
                    throw new SshProtocolException($"unexpected message {(byte)packet.MessageNumber} during user authentication");
            }
        }
    }

    private enum Outcome { Success, Failure, Exhausted }

    private abstract class AuthenticationMethod(ClientAuthenticator owner, string name)
    {
        protected ClientAuthenticator Owner { get; } = owner;

        protected ClientAuthenticationOptions Options => Owner._options;

        public string Name { get; } = name;

        public abstract bool IsEnabled { get; }

        /// <summary>Makes one attempt (sends one request and follows it to SUCCESS/FAILURE), or returns Exhausted without sending.</summary>
        public abstract ValueTask<Outcome> TryNextAsync(CancellationToken cancellationToken);
    }

    private sealed class PasswordMethod(ClientAuthenticator owner) : AuthenticationMethod(owner, AuthenticationMethodNames.Password)
    {
        private int _attempts;

        public override bool IsEnabled => Options.PasswordAuthentication && !Options.BatchMode && Options.PasswordCallback is not null;

        public override async ValueTask<Outcome> TryNextAsync(CancellationToken cancellationToken)
        {
            if (_attempts >= Options.NumberOfPasswordPrompts) return Outcome.Exhausted;
            _attempts++;
            string? password = await Options.PasswordCallback!($"{Options.UserName}@{Options.Host}'s password: ", cancellationToken).ConfigureAwait(false);
            if (password is null) return Outcome.Exhausted;
            await Owner.SendRequestAsync(UserAuthRequestMessage.PasswordRequest(Options.UserName, ServiceNames.Connection, password), cancellationToken).ConfigureAwait(false);
            Response response = await Owner.ReceiveResponseAsync(Pending.Password, cancellationToken).ConfigureAwait(false);
            return response.Kind == ResponseKind.Success ? Outcome.Success : Outcome.Failure;
        }
    }

    private sealed class KeyboardInteractiveMethod(ClientAuthenticator owner) : AuthenticationMethod(owner, AuthenticationMethodNames.KeyboardInteractive)
    {
        private int _attempts;

        public override bool IsEnabled => Options.KbdInteractiveAuthentication && !Options.BatchMode && Options.KeyboardInteractiveCallback is not null;

        public override async ValueTask<Outcome> TryNextAsync(CancellationToken cancellationToken)
        {
            if (_attempts >= Options.NumberOfPasswordPrompts) return Outcome.Exhausted;
            _attempts++;
            await Owner.SendRequestAsync(UserAuthRequestMessage.KeyboardInteractive(Options.UserName, ServiceNames.Connection), cancellationToken).ConfigureAwait(false);
            for (int round = 0; round <= MaxInfoRounds; round++)
            {
                Response response = await Owner.ReceiveResponseAsync(Pending.KeyboardInteractive, cancellationToken).ConfigureAwait(false);
                if (response.Kind == ResponseKind.Success) return Outcome.Success;
                if (response.Kind == ResponseKind.Failure) return Outcome.Failure;
                if (round == MaxInfoRounds) break;

                UserAuthInfoRequestMessage request = response.InfoRequest;
                IReadOnlyList<string>? answers;
                if (request.Prompts.Count == 0 && request.Name.Length == 0 && request.Instruction.Length == 0)
                {
                    answers = []; // nothing to show or ask (OpenSSH answers such rounds silently)
                }
                else
                {
                    var prompts = new KeyboardInteractivePrompt[request.Prompts.Count];
                    for (int i = 0; i < prompts.Length; i++) prompts[i] = new KeyboardInteractivePrompt(request.Prompts[i].Prompt, request.Prompts[i].Echo);
                    var challenge = new KeyboardInteractiveChallenge(Options.UserName, request.Name, request.Instruction, prompts);
                    answers = await Options.KeyboardInteractiveCallback!(challenge, cancellationToken).ConfigureAwait(false);
                    // Giving up: the server still waits for INFO_RESPONSE; the next method's request cancels it (RFC 4252 §5).
                    if (answers is null) return Outcome.Exhausted;
                    if (answers.Count != prompts.Length)
                    {
                        throw new InvalidOperationException($"KeyboardInteractiveCallback returned {answers.Count} answers for {prompts.Length} prompts");
                    }
                }
                await Owner.SendInfoResponseAsync(answers, cancellationToken).ConfigureAwait(false);
            }
            throw new SshProtocolException($"more than {MaxInfoRounds} keyboard-interactive rounds");
        }
    }

    /// <summary>publickey (RFC 4252 §7): query each candidate key, and sign only for keys the server accepts.</summary>
    private sealed class PublicKeyMethod(ClientAuthenticator owner) : AuthenticationMethod(owner, AuthenticationMethodNames.PublicKey), IDisposable
    {
        private List<Candidate>? _candidates;
        private int _next;
        private SshAgentClient? _agent;

        private sealed record Candidate(SshPublicKey PublicKey, ClientIdentity? Identity, AgentKey? AgentKey);

        public override bool IsEnabled => Options.PubkeyAuthentication;

        public override async ValueTask<Outcome> TryNextAsync(CancellationToken cancellationToken)
        {
            _candidates ??= await BuildCandidatesAsync(cancellationToken).ConfigureAwait(false);
            while (_next < _candidates.Count)
            {
                Candidate candidate = _candidates[_next++];
                string? algorithm = SignatureAlgorithmSelection.Select(candidate.PublicKey, Owner._transport.ServerSignatureAlgorithms);
                if (algorithm is null) continue;
                byte[] blob = candidate.PublicKey.Blob.ToArray();

                await Owner.SendRequestAsync(UserAuthRequestMessage.PublicKeyQuery(Options.UserName, ServiceNames.Connection, algorithm, blob), cancellationToken).ConfigureAwait(false);
                Response response = await Owner.ReceiveResponseAsync(Pending.PublicKeyQuery, cancellationToken).ConfigureAwait(false);
                if (response.Kind == ResponseKind.Success) return Outcome.Success;
                if (response.Kind == ResponseKind.Failure) return Outcome.Failure;
                if (response.PkOk.PublicKeyAlgorithm != algorithm || !response.PkOk.PublicKeyBlob.AsSpan().SequenceEqual(blob))
                {
                    throw new SshProtocolException("SSH_MSG_USERAUTH_PK_OK for a key that was not offered");
                }

                byte[]? signature = await SignAsync(candidate, algorithm, blob, cancellationToken).ConfigureAwait(false);
                if (signature is null) continue; // key unusable: offer the next one (a new request is allowed after PK_OK)

                await Owner.SendRequestAsync(UserAuthRequestMessage.PublicKeySigned(Options.UserName, ServiceNames.Connection, algorithm, blob, signature), cancellationToken).ConfigureAwait(false);
                response = await Owner.ReceiveResponseAsync(Pending.Final, cancellationToken).ConfigureAwait(false);
                return response.Kind == ResponseKind.Success ? Outcome.Success : Outcome.Failure;
            }
            return Outcome.Exhausted;
        }

        private async ValueTask<byte[]?> SignAsync(Candidate candidate, string algorithm, byte[] blob, CancellationToken cancellationToken)
        {
            byte[] data = PublicKeySignedData.Create(Owner._transport.SessionId.Span, Options.UserName, ServiceNames.Connection, algorithm, blob);
            if (candidate.AgentKey is not null)
            {
                try
                {
                    return await candidate.AgentKey.SignAsync(algorithm, data, cancellationToken).ConfigureAwait(false);
                }
                catch (SshAgentException) when (candidate.Identity is not null)
                {
                    // fall back to the key file
                }
                catch (SshAgentException)
                {
                    return null;
                }
            }

            (SshPrivateKey? key, bool owned) = await candidate.Identity!.GetPrivateKeyAsync(cancellationToken).ConfigureAwait(false);
            if (key is null) return null;
            try
            {
                if (!key.PublicKey.Equals(candidate.PublicKey)) return null;
                return await key.SignAsync(algorithm, data, cancellationToken).ConfigureAwait(false);
            }
            catch (SshAgentException)
            {
                return null;
            }
            finally
            {
                if (owned) key.Dispose();
            }
        }

        /// <summary>
        /// OpenSSH's order (pubkey_prepare in sshconnect2.c): identity-file keys the agent also holds (in the agent's order),
        /// then the agent's other keys unless IdentitiesOnly, then the remaining identity-file keys. Duplicates are dropped.
        /// </summary>
        private async ValueTask<List<Candidate>> BuildCandidatesAsync(CancellationToken cancellationToken)
        {
            IReadOnlyList<AgentKey> agentKeys = await GetAgentKeysAsync(cancellationToken).ConfigureAwait(false);
            var files = new List<ClientIdentity>(Options.Identities);
            var preferred = new List<Candidate>();
            var agentOnly = new List<Candidate>();
            foreach (AgentKey agentKey in agentKeys)
            {
                int index = files.FindIndex(f => f.PublicKey.Equals(agentKey.PublicKey));
                if (index >= 0)
                {
                    preferred.Add(new Candidate(agentKey.PublicKey, files[index], agentKey));
                    files.RemoveAt(index);
                }
                else if (!Options.IdentitiesOnly)
                {
                    agentOnly.Add(new Candidate(agentKey.PublicKey, null, agentKey));
                }
            }
            preferred.AddRange(agentOnly);
            foreach (ClientIdentity file in files) preferred.Add(new Candidate(file.PublicKey, file, null));

            var seen = new HashSet<SshPublicKey>();
            preferred.RemoveAll(c => !seen.Add(c.PublicKey));
            return preferred;
        }

        private async ValueTask<IReadOnlyList<AgentKey>> GetAgentKeysAsync(CancellationToken cancellationToken)
        {
            string? path = Options.IdentityAgent ?? Environment.GetEnvironmentVariable(SshAgentClient.AuthSocketEnvironmentVariable);
            if (string.IsNullOrEmpty(path) || path == "none") return [];
            try
            {
                _agent = await SshAgentClient.ConnectAsync(path, cancellationToken).ConfigureAwait(false);
                return await _agent.RequestIdentitiesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SshAgentException)
            {
                return []; // OpenSSH carries on without the agent when it cannot be used
            }
        }

        public void Dispose() => _agent?.Dispose();
    }
}
