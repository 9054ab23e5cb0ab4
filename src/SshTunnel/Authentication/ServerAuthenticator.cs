using System.Diagnostics.CodeAnalysis;
using SshTunnel.Authentication.Methods;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Transport;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.UserAuth;

namespace SshTunnel.Authentication;

/// <summary>
/// Server side of user authentication (RFC 4252, RFC 4256): accepts the ssh-userauth service, then answers
/// USERAUTH_REQUESTs until one succeeds. Failures are counted as sshd counts them (the first "none" and
/// publickey queries answered with PK_OK do not count); at <see cref="ServerAuthenticationOptions.MaxAuthTries"/>
/// the connection is closed with DISCONNECT "Too many authentication failures". Every message other than the
/// expected authentication messages, including connection-layer messages, is a protocol error.
/// </summary>
internal sealed class ServerAuthenticator
{
    /// <summary>Most USERAUTH_REQUESTs on one connection, counted or not (bounds PK_OK queries and "none").</summary>
    public const int MaxRequests = 64;

    /// <summary>The prompt of the keyboard-interactive password round.</summary>
    public const string PasswordPrompt = "Password: ";

    private const string TooManyFailures = "Too many authentication failures";

    private readonly IPacketTransport _transport;
    private readonly ServerAuthenticationOptions _options;
    private readonly string[] _methods;
    private string? _userName;
    private int _failures;
    private int _requests;
    private bool _bannerSent;

    private ServerAuthenticator(IPacketTransport transport, ServerAuthenticationOptions options)
    {
        _transport = transport;
        _options = options;
        var methods = new List<string>();
        if (options.IsPublicKeyAuthorized is not null) methods.Add(AuthenticationMethodNames.PublicKey);
        if (options.IsPasswordValid is not null && options.PasswordAuthentication) methods.Add(AuthenticationMethodNames.Password);
        if (options.IsPasswordValid is not null && options.KbdInteractiveAuthentication) methods.Add(AuthenticationMethodNames.KeyboardInteractive);
        _methods = [.. methods];
    }

    private enum Result { Success, Failure, Continue }

    /// <summary>Runs user authentication and returns who logged in once SSH_MSG_USERAUTH_SUCCESS has been sent.</summary>
    /// <exception cref="SshAuthenticationException">Too many failures or requests; the transport has been aborted with DISCONNECT.</exception>
    /// <exception cref="SshProtocolException">The client broke the protocol; the transport has been aborted.</exception>
    /// <exception cref="SshConnectionException">The connection closed.</exception>
    public static async Task<ServerAuthenticationResult> AuthenticateAsync(IPacketTransport transport, ServerAuthenticationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        var authenticator = new ServerAuthenticator(transport, options);
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

    private async Task<ServerAuthenticationResult> RunAsync(CancellationToken cancellationToken)
    {
        await AcceptServiceAsync(cancellationToken).ConfigureAwait(false);
        Packet carried = default;
        try
        {
            while (true)
            {
                using Packet packet = carried.IsEmpty ? await _transport.ReceiveAsync(cancellationToken).ConfigureAwait(false) : carried.Move();
                if (packet.MessageNumber != MessageNumber.UserAuthRequest)
                {
                    throw new SshProtocolException($"unexpected message {(byte)packet.MessageNumber} before authentication completed");
                }
                UserAuthRequestMessage request = ReadRequest(packet);
                await CheckRequestAsync(request, cancellationToken).ConfigureAwait(false);

                (Result result, SshPublicKey? key) = request.MethodName switch
                {
                    AuthenticationMethodNames.PublicKey when _options.IsPublicKeyAuthorized is not null
                        => await PublicKeyAsync(request, cancellationToken).ConfigureAwait(false),
                    AuthenticationMethodNames.Password when _methods.Contains(AuthenticationMethodNames.Password)
                        => (await PasswordAsync(request, cancellationToken).ConfigureAwait(false), null),
                    _ => (Result.Failure, null),
                };
                if (request.MethodName == AuthenticationMethodNames.KeyboardInteractive && _methods.Contains(AuthenticationMethodNames.KeyboardInteractive))
                {
                    (result, carried) = await KeyboardInteractiveAsync(request, cancellationToken).ConfigureAwait(false);
                }

                if (result == Result.Success)
                {
                    var writer = new SshWriter(8);
                    default(UserAuthSuccessMessage).Write(ref writer);
                    await _transport.SendAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);
                    return new ServerAuthenticationResult(request.UserName, request.MethodName, key);
                }
                if (result == Result.Failure)
                {
                    bool counted = !(request.MethodName == AuthenticationMethodNames.None && _requests == 1);
                    await FailAsync(counted, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            carried.Dispose();
        }
    }

    private static UserAuthRequestMessage ReadRequest(Packet packet)
    {
        var reader = new SshReader(packet.Payload);
        return UserAuthRequestMessage.Read(ref reader);
    }

    private async Task AcceptServiceAsync(CancellationToken cancellationToken)
    {
        string service;
        using (Packet packet = await _transport.ReceiveAsync(cancellationToken).ConfigureAwait(false))
        {
            if (packet.MessageNumber != MessageNumber.ServiceRequest)
            {
                throw new SshProtocolException($"expected SSH_MSG_SERVICE_REQUEST, got message {(byte)packet.MessageNumber}");
            }
            var reader = new SshReader(packet.Payload);
            service = ServiceRequestMessage.Read(ref reader).ServiceName;
        }
        if (service != ServiceNames.UserAuth)
        {
            throw new SshProtocolException($"service \"{service}\" not available", DisconnectReason.ServiceNotAvailable);
        }
        var writer = new SshWriter(32);
        new ServiceAcceptMessage(ServiceNames.UserAuth).Write(ref writer);
        await _transport.SendAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Bounds requests, pins user and service to the first request (as sshd does), and sends the banner once.</summary>
    private async ValueTask CheckRequestAsync(UserAuthRequestMessage request, CancellationToken cancellationToken)
    {
        if (++_requests > MaxRequests) DisconnectTooMany();
        if (request.ServiceName != ServiceNames.Connection)
        {
            throw new SshProtocolException($"service \"{request.ServiceName}\" not available", DisconnectReason.ServiceNotAvailable);
        }
        if (_userName is null) _userName = request.UserName;
        else if (_userName != request.UserName) throw new SshProtocolException("change of user name during authentication is not allowed");

        if (_options.Banner is not null && !_bannerSent)
        {
            _bannerSent = true;
            var writer = new SshWriter(_options.Banner.Length * 3 + 16);
            new UserAuthBannerMessage(_options.Banner).Write(ref writer);
            await _transport.SendAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask FailAsync(bool counted, CancellationToken cancellationToken)
    {
        if (counted && ++_failures >= _options.MaxAuthTries) DisconnectTooMany();
        var writer = new SshWriter(64);
        new UserAuthFailureMessage(_methods, partialSuccess: false).Write(ref writer);
        await _transport.SendAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);
    }

    [DoesNotReturn]
    private void DisconnectTooMany()
    {
        _transport.Abort(new SshConnectionException(TooManyFailures, DisconnectReason.NoMoreAuthMethodsAvailable), DisconnectReason.NoMoreAuthMethodsAvailable);
        throw new SshAuthenticationException($"{TooManyFailures} for {_userName}");
    }

    /// <summary>publickey (RFC 4252 §7). Returns Continue after PK_OK, which sshd does not count as a failure.</summary>
    private async ValueTask<(Result, SshPublicKey?)> PublicKeyAsync(UserAuthRequestMessage request, CancellationToken cancellationToken)
    {
        string algorithm = request.PublicKeyAlgorithm!;
        SshPublicKey key;
        try
        {
            key = SshPublicKey.Parse(request.PublicKeyBlob);
        }
        catch (SshProtocolException)
        {
            return (Result.Failure, null); // unsupported or malformed key: refuse, as sshd does
        }
        // Only algorithms the key supports; never SHA-1 ssh-rsa.
        if (algorithm == AlgorithmNames.SshRsa || !key.SignatureAlgorithms.Contains(algorithm)) return (Result.Failure, null);

        if (!request.HasSignature)
        {
            if (!await _options.IsPublicKeyAuthorized!(request.UserName, key, cancellationToken).ConfigureAwait(false)) return (Result.Failure, null);
            var writer = new SshWriter(request.PublicKeyBlob!.Length + 64);
            new UserAuthPkOkMessage(algorithm, request.PublicKeyBlob).Write(ref writer);
            await _transport.SendAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);
            return (Result.Continue, null);
        }

        byte[] data = PublicKeySignedData.Create(_transport.SessionId.Span, request.UserName, request.ServiceName, algorithm, request.PublicKeyBlob);
        if (!key.VerifySignatureBlob(algorithm, data, request.Signature)) return (Result.Failure, null);
        bool authorized = await _options.IsPublicKeyAuthorized!(request.UserName, key, cancellationToken).ConfigureAwait(false);
        return authorized ? (Result.Success, key) : (Result.Failure, null);
    }

    /// <summary>password (RFC 4252 §8); password changes are refused.</summary>
    private async ValueTask<Result> PasswordAsync(UserAuthRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.ChangePassword) return Result.Failure;
        bool valid = await _options.IsPasswordValid!(request.UserName, request.Password!, cancellationToken).ConfigureAwait(false);
        return valid ? Result.Success : Result.Failure;
    }

    /// <summary>
    /// keyboard-interactive (RFC 4256) with one hidden "Password: " prompt. A new USERAUTH_REQUEST instead of the
    /// INFO_RESPONSE abandons the round (not counted); it is returned to be handled next.
    /// </summary>
    private async ValueTask<(Result, Packet)> KeyboardInteractiveAsync(UserAuthRequestMessage request, CancellationToken cancellationToken)
    {
        var writer = new SshWriter(64);
        new UserAuthInfoRequestMessage("", "", [(PasswordPrompt, false)]).Write(ref writer);
        await _transport.SendAsync(writer.ToPacket(), cancellationToken).ConfigureAwait(false);

        Packet packet = await _transport.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        if (packet.MessageNumber == MessageNumber.UserAuthRequest) return (Result.Continue, packet);
        UserAuthInfoResponseMessage response;
        using (packet)
        {
            if (packet.MessageNumber != MessageNumber.UserAuthInfoResponse)
            {
                throw new SshProtocolException($"expected SSH_MSG_USERAUTH_INFO_RESPONSE, got message {(byte)packet.MessageNumber}");
            }
            var reader = new SshReader(packet.Payload);
            response = UserAuthInfoResponseMessage.Read(ref reader);
        }
        if (response.Responses.Count != 1) throw new SshProtocolException($"{response.Responses.Count} keyboard-interactive answers for 1 prompt");
        bool valid = await _options.IsPasswordValid!(request.UserName, response.Responses[0], cancellationToken).ConfigureAwait(false);
        return (valid ? Result.Success : Result.Failure, default);
    }
}
