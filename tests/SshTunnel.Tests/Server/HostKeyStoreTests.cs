using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Server;
using SshTunnel.Tests.Gateway;

namespace SshTunnel.Tests.Server;

public sealed class HostKeyStoreTests
{
    [Fact]
    public void LoadOrCreate_CreatesOnce_ThenLoadsTheSameKey_InOpenSshFormat()
    {
        string directory = Path.Combine(GatewayProcess.NewDirectory(), "state");
        using SshPrivateKey first = HostKeyStore.LoadOrCreate(directory, out bool created);
        Assert.True(created);
        using SshPrivateKey second = HostKeyStore.LoadOrCreate(directory, out bool createdAgain);
        Assert.False(createdAgain);
        Assert.Equal(first.PublicKey, second.PublicKey);
        string path = Path.Combine(directory, HostKeyStore.DefaultFileName);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(first.PublicKey, PrivateKeyFile.LoadPublicKey(path + ".pub"));
        if (GatewayProcess.HaveOpenSsh)
        {
            // ssh-keygen derives the same public key from our file.
            string derived = GatewayProcess.RunTool(GatewayProcess.SshKeygen, "-y", "-f", path).Trim();
            Assert.Equal(first.PublicKey.ToOpenSshString() + " sshtunneld@" + Environment.MachineName, derived);
        }
        Directory.Delete(Path.GetDirectoryName(directory)!, true);
    }

    [Fact]
    public void LoadOrCreate_CorruptFile_ThrowsKeyFileException()
    {
        string directory = GatewayProcess.NewDirectory();
        File.WriteAllText(Path.Combine(directory, HostKeyStore.DefaultFileName), "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
        Assert.Throws<SshKeyFileException>(() => HostKeyStore.LoadOrCreate(directory, out _));
        Directory.Delete(directory, true);
    }

    [Fact]
    public void LoadOrCreate_LosesTheRace_UsesTheOtherKey_AndLeavesNoTempFile()
    {
        string directory = GatewayProcess.NewDirectory();
        string other = GatewayProcess.NewDirectory();
        using SshPrivateKey theirs = HostKeyStore.LoadOrCreate(other, out _);
        string path = Path.Combine(directory, HostKeyStore.DefaultFileName);
        // Another process finishes first: its key appears between our temp write and our move.
        using SshPrivateKey loaded = HostKeyStore.LoadOrCreate(directory, out bool created,
            () => File.Copy(Path.Combine(other, HostKeyStore.DefaultFileName), path));
        Assert.False(created);
        Assert.Equal(theirs.PublicKey, loaded.PublicKey);
        Assert.Equal([HostKeyStore.DefaultFileName], Directory.GetFiles(directory).Select(Path.GetFileName));
        Directory.Delete(directory, true);
        Directory.Delete(other, true);
    }

    [Fact]
    public void LoadOrCreate_FailsAfterWritingTemp_DeletesTemp()
    {
        string directory = GatewayProcess.NewDirectory();
        Assert.Throws<InvalidOperationException>(() => HostKeyStore.LoadOrCreate(directory, out _, () => throw new InvalidOperationException("boom")));
        Assert.Empty(Directory.GetFiles(directory));
        Directory.Delete(directory, true);
    }
}
