using System.Diagnostics;
using SshTunnel.Server.Policy;

namespace SshTunnel.Tests.ServerPolicy;

public sealed class RegularFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("regularfile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Reads_a_regular_file()
    {
        string path = Path.Combine(_directory, "keys");
        File.WriteAllText(path, "ssh-ed25519 AAAA ünï\n");
        Assert.Equal("ssh-ed25519 AAAA ünï\n", RegularFile.ReadAllText(path));
    }

    [Fact]
    public void Missing_file_and_directory_are_the_usual_exceptions()
    {
        Assert.Throws<FileNotFoundException>(() => RegularFile.ReadAllText(Path.Combine(_directory, "nope")));
        Assert.Throws<DirectoryNotFoundException>(() => RegularFile.ReadAllText(Path.Combine(_directory, "nope", "keys")));
    }

    [Fact]
    public async Task A_fifo_is_refused_at_once_instead_of_blocking_the_open()
    {
        if (!OperatingSystem.IsLinux()) return;
        string fifo = Path.Combine(_directory, "fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        // With a plain open() this call would block until a writer appeared: the Task.Run + WaitAsync bounds the test.
        var ex = await Assert.ThrowsAsync<IOException>(() => Task.Run(() => RegularFile.ReadAllText(fifo)).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("not a regular file", ex.Message);
    }

    [Fact]
    public void Files_over_the_limit_and_endless_devices_are_refused()
    {
        string path = Path.Combine(_directory, "big");
        File.WriteAllBytes(path, new byte[2000]);
        Assert.Contains("larger than 1000 bytes", Assert.Throws<IOException>(() => RegularFile.ReadAllText(path, 1000)).Message);
        if (OperatingSystem.IsLinux()) Assert.Throws<IOException>(() => RegularFile.ReadAllText("/dev/zero", 1000));
    }
}
