using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Authentication.Agent;

/// <summary>
/// Client of ssh-agent over its Unix domain socket (draft-miller-ssh-agent / RFC 9987): lists identities and
/// asks for signatures. One request at a time; each message is <c>uint32 length, byte type, contents</c>, and
/// replies longer than <see cref="MaxMessageLength"/> are refused.
/// </summary>
internal sealed class SshAgentClient : IAsyncDisposable, IDisposable
{
    /// <summary>Environment variable naming the agent socket.</summary>
    public const string AuthSocketEnvironmentVariable = "SSH_AUTH_SOCK";

    /// <summary>Largest reply accepted, in bytes (OpenSSH's agent uses the same 256 KiB bound).</summary>
    public const int MaxMessageLength = 256 * 1024;

    /// <summary>Most identities accepted in one IDENTITIES_ANSWER.</summary>
    public const int MaxIdentities = 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private bool _broken;

    private SshAgentClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects to the agent listening on the Unix socket <paramref name="socketPath"/>.</summary>
    /// <exception cref="SshAgentException">The socket cannot be connected.</exception>
    public static async Task<SshAgentClient> ConnectAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or ArgumentException)
        {
            socket.Dispose();
            throw new SshAgentException($"cannot connect to ssh-agent at {socketPath}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new SshAgentClient(socket);
    }

    /// <summary>
    /// SSH_AGENTC_REQUEST_IDENTITIES → SSH_AGENT_IDENTITIES_ANSWER: the agent's keys, in the agent's order.
    /// Keys of types this library cannot parse (certificates, sk- keys...) are skipped.
    /// </summary>
    /// <exception cref="SshAgentException">The agent failed or replied with a malformed message.</exception>
    public async Task<IReadOnlyList<AgentKey>> RequestIdentitiesAsync(CancellationToken cancellationToken = default)
    {
        byte[] reply = await RequestAsync([(byte)AgentMessageNumber.RequestIdentities], cancellationToken).ConfigureAwait(false);
        try
        {
            return ParseIdentitiesAnswer(reply);
        }
        catch (SshProtocolException e)
        {
            throw new SshAgentException("malformed identities answer from ssh-agent: " + e.Message, e);
        }
    }

    private List<AgentKey> ParseIdentitiesAnswer(byte[] reply)
    {
        var reader = new SshReader(reply);
        var type = (AgentMessageNumber)reader.ReadByte();
        if (type == AgentMessageNumber.Failure) throw new SshAgentException("ssh-agent refused to list identities");
        if (type != AgentMessageNumber.IdentitiesAnswer) throw new SshAgentException($"unexpected ssh-agent reply {(byte)type} to REQUEST_IDENTITIES");
        uint count = reader.ReadUInt32();
        if (count > MaxIdentities) throw new SshAgentException($"ssh-agent listed {count} identities (at most {MaxIdentities})");
        var keys = new List<AgentKey>((int)count);
        for (uint i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> blob = reader.ReadStringBytes();
            string comment = Encoding.UTF8.GetString(reader.ReadStringBytes());
            SshPublicKey key;
            try
            {
                key = SshPublicKey.Parse(blob);
            }
            catch (SshProtocolException)
            {
                continue; // unsupported key type (certificate, security key...): not usable by us
            }
            catch (Exception e) when (e is NotImplementedException or NotSupportedException)
            {
                continue;
            }
            keys.Add(new AgentKey(this, key) { Comment = comment });
        }
        reader.ReadEnd();
        return keys;
    }

    /// <summary>
    /// SSH_AGENTC_SIGN_REQUEST → SSH_AGENT_SIGN_RESPONSE: signs <paramref name="data"/> with the agent's key.
    /// Returns the signature blob (string algorithm, string signature), whose algorithm must be <paramref name="signatureAlgorithm"/>.
    /// </summary>
    /// <exception cref="SshAgentException">SSH_AGENT_FAILURE, a malformed reply, or a signature of another algorithm.</exception>
    public async Task<byte[]> SignAsync(SshPublicKey key, string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        AgentSignatureFlags flags = signatureAlgorithm switch
        {
            AlgorithmNames.RsaSha2256 => AgentSignatureFlags.RsaSha2256,
            AlgorithmNames.RsaSha2512 => AgentSignatureFlags.RsaSha2512,
            _ => AgentSignatureFlags.None,
        };
        var writer = new SshWriter(key.Blob.Length + data.Length + 32);
        byte[] request;
        try
        {
            writer.WriteByte((byte)AgentMessageNumber.SignRequest);
            writer.WriteString(key.Blob.Span);
            writer.WriteString(data.Span);
            writer.WriteUInt32((uint)flags);
            request = writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
        byte[] reply = await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            var reader = new SshReader(reply);
            var type = (AgentMessageNumber)reader.ReadByte();
            if (type == AgentMessageNumber.Failure) throw new SshAgentException($"ssh-agent refused to sign with {key.KeyType} key {key.Fingerprint}");
            if (type != AgentMessageNumber.SignResponse) throw new SshAgentException($"unexpected ssh-agent reply {(byte)type} to SIGN_REQUEST");
            byte[] signature = reader.ReadStringBytes().ToArray();
            reader.ReadEnd();
            var inner = new SshReader(signature);
            string algorithm = inner.ReadAsciiString();
            if (algorithm != signatureAlgorithm) throw new SshAgentException($"ssh-agent signed with {algorithm} instead of {signatureAlgorithm}");
            return signature;
        }
        catch (SshProtocolException e)
        {
            throw new SshAgentException("malformed sign response from ssh-agent: " + e.Message, e);
        }
    }

    private async Task<byte[]> RequestAsync(byte[] message, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_broken) throw new SshAgentException("ssh-agent connection is unusable after an earlier failure or cancellation");
            // Until the reply is read completely the stream is mid-message; any failure or cancellation leaves it unusable.
            _broken = true;
            byte[] frame = new byte[4 + message.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)message.Length);
            message.CopyTo(frame, 4);
            byte[] header = new byte[4];
            try
            {
                await _stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
                await _stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
                uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
                if (length is 0 or > MaxMessageLength) throw new SshAgentException($"ssh-agent reply of {length} bytes (1 to {MaxMessageLength} allowed)");
                byte[] reply = new byte[length];
                await _stream.ReadExactlyAsync(reply, cancellationToken).ConfigureAwait(false);
                _broken = false;
                return reply;
            }
            catch (Exception e) when (e is IOException or SocketException or EndOfStreamException)
            {
                throw new SshAgentException("ssh-agent connection failed: " + e.Message, e);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Closes the agent connection.</summary>
    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
        _lock.Dispose();
    }

    /// <summary>Closes the agent connection.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
