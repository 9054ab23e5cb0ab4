using SshTunnel.Server.Policy;

namespace SshTunnel.Tests.ServerPolicy;

public class PasswordFileTests
{
    // Independent vector: Python hashlib.pbkdf2_hmac('sha256', b'correct horse', bytes(range(16)), 100000).
    private const string PythonLine = "alice:$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=";

    [Fact]
    public void Verifies_an_independently_computed_hash()
    {
        var file = PasswordFile.Parse("# users\n\n" + PythonLine + "\n", "pw");
        Assert.Empty(file.Warnings);
        Assert.True(file.Contains("alice"));
        Assert.True(file.Verify("alice", "correct horse"));
        Assert.False(file.Verify("alice", "correct horsf"));
        Assert.False(file.Verify("Alice", "correct horse"));
        Assert.False(file.Verify("nobody", "correct horse"));
    }

    [Fact]
    public void HashPassword_round_trips_with_a_random_salt()
    {
        string h1 = PasswordFile.HashPassword("s3cret", PasswordFile.MinimumIterations);
        string h2 = PasswordFile.HashPassword("s3cret", PasswordFile.MinimumIterations);
        Assert.NotEqual(h1, h2);
        Assert.StartsWith("$pbkdf2-sha256$100000$", h1);
        string[] parts = h1.Split('$');
        Assert.Equal(16, Convert.FromBase64String(parts[3]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[4]).Length);
        var file = PasswordFile.Parse("bob:" + h1, "pw");
        Assert.True(file.Verify("bob", "s3cret"));
        Assert.False(file.Verify("bob", "s3cret "));
        Assert.False(file.Verify("bob", ""));
    }

    [Fact]
    public void HashPassword_default_iterations()
    {
        Assert.Equal(210_000, PasswordFile.DefaultIterations);
        Assert.Throws<ArgumentOutOfRangeException>(() => PasswordFile.HashPassword("x", 1000));
    }

    [Theory]
    [InlineData("nocolon", "expected user:$pbkdf2-sha256$iterations$salt$hash")]
    [InlineData(":$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=", "expected user:$pbkdf2-sha256$iterations$salt$hash")]
    [InlineData("u:$pbkdf2-sha1$100000$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=", "unsupported hash scheme \"pbkdf2-sha1\"")]
    [InlineData("u:$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=", "iteration count 1000 below 100000")]
    [InlineData("u:$pbkdf2-sha256$99999999$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=", "iteration count 99999999 above 10000000")]
    [InlineData("u:$pbkdf2-sha256$abc$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=", "invalid iteration count")]
    [InlineData("u:$pbkdf2-sha256$100000$%%%$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=", "invalid base64 salt")]
    [InlineData("u:$pbkdf2-sha256$100000$AAECAw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=", "salt shorter than 16 bytes")]
    [InlineData("u:$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$AAEC", "hash is not 32 bytes")]
    [InlineData("u:$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$", "invalid base64 hash")]
    [InlineData("u:$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==", "expected $pbkdf2-sha256$iterations$salt$hash")]
    [InlineData("u:plaintext", "expected $pbkdf2-sha256$iterations$salt$hash")]
    public void Malformed_lines_are_skipped_with_warnings(string line, string reason)
    {
        var file = PasswordFile.Parse(PythonLine + "\n" + line, "pw");
        PolicyFileWarning w = Assert.Single(file.Warnings);
        Assert.Equal(2, w.LineNumber);
        Assert.Equal(reason, w.Reason);
        Assert.Equal(["alice"], file.Users);
    }

    [Fact]
    public void Duplicate_user_first_wins()
    {
        string other = "alice:" + PasswordFile.HashPassword("other", PasswordFile.MinimumIterations);
        var file = PasswordFile.Parse(PythonLine + "\n" + other, "pw");
        Assert.Equal("duplicate user alice; the first entry is used", Assert.Single(file.Warnings).Reason);
        Assert.True(file.Verify("alice", "correct horse"));
        Assert.False(file.Verify("alice", "other"));
    }

    [Fact]
    public void Empty_file_rejects_everyone()
    {
        var file = PasswordFile.Parse("", "pw");
        Assert.False(file.Verify("root", ""));
    }
}
