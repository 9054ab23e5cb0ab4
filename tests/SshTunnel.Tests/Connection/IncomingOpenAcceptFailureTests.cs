using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Tests.Connection;

/// <summary>An accepted incoming open whose OPEN_CONFIRMATION could not be sent: no channel left behind, the peer answered.</summary>
public class IncomingOpenAcceptFailureTests
{
    private static readonly TimeSpan T = ConnectionTestPair.Timeout;

    [Fact]
    public async Task ConfirmationNotSent_RemovesChannel_AndSendsOpenFailure()
    {
        await using var raw = new RawPeerPair();
        var acceptFailure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        raw.Connection.ChannelOpenHandler = async open =>
        {
            try
            {
                await open.AcceptAsync(new CancellationToken(canceled: true));
                acceptFailure.SetException(new InvalidOperationException("accept succeeded"));
            }
            catch (Exception ex)
            {
                acceptFailure.SetResult(ex);
            }
        };

        var w = new SshWriter(64);
        new ChannelOpenMessage { ChannelType = ChannelTypes.Session, SenderChannel = 42, InitialWindowSize = 1 << 20, MaximumPacketSize = 32768 }.Write(ref w);
        await raw.SendAsync(w);

        Assert.IsAssignableFrom<OperationCanceledException>(await acceptFailure.Task.WaitAsync(T));
        byte[] reply = await raw.ReceiveAsync();
        Assert.Equal((byte)MessageNumber.ChannelOpenFailure, reply[0]);
        var r = new SshReader(reply);
        var failure = ChannelOpenFailureMessage.Read(ref r);
        Assert.Equal(42u, failure.RecipientChannel);
        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, failure.ReasonCode);
        Assert.Equal(0, raw.Connection.ChannelCount);
    }
}
