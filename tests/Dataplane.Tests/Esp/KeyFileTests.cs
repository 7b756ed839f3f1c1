using VnetReconciler.Dataplane.Esp;

namespace VnetReconciler.Dataplane.Tests.Esp;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KeyFileTests
{
    private const string Hex32 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    private static (KeySet? Keys, List<KeyFileError> Errors) Parse(string text)
    {
        var errors = new List<KeyFileError>();
        return (KeyFile.Parse("97", "/keys/97.key", text, errors), errors);
    }

    [Fact]
    public void Hex_and_base64_epochs_with_comments()
    {
        var base64 = Convert.ToBase64String(Hex.Range(100, 40));
        var (keys, errors) = Parse($"# rotated 2026-11\n1 hex:{Hex32}\n\n  200 base64:{base64}  \n");
        Assert.Empty(errors);
        using var k = keys!;
        Assert.Equal([1, 200], k.Epochs);
        Assert.Equal(200, k.HighestEpoch);
        Assert.Equal(1, k.NextLower(200));
        Assert.Equal(0, k.NextLower(1));
        Assert.True(k.TryGet(1, out var one));
        Assert.Equal(Hex.Range(0, 32), one.Bytes.ToArray());
        Assert.True(k.TryGet(200, out var two));
        Assert.Equal(Hex.Range(100, 40), two.Bytes.ToArray());
        Assert.DoesNotContain("0001", k.ToString());
        Assert.Equal("epoch 1 (32 bytes)", one.ToString());
        k.Dispose();
        Assert.All(one.Bytes.ToArray(), b => Assert.Equal(0, b)); // zeroed on dispose
    }

    [Theory]
    [InlineData("0 hex:" + Hex32, "/keys/97.key:1: epoch '0' is not a number from 1 to 255")]
    [InlineData("256 hex:" + Hex32, "/keys/97.key:1: epoch '256' is not a number from 1 to 255")]
    [InlineData("x hex:" + Hex32, "/keys/97.key:1: epoch 'x' is not a number from 1 to 255")]
    [InlineData("1 hex:" + Hex32 + "\n1 hex:" + Hex32, "/keys/97.key:2: epoch 1 appears twice")]
    [InlineData("\n\n3 hex:00010203", "/keys/97.key:3: epoch 3: the secret is 4 bytes; at least 32 are required")]
    [InlineData("3 hex:zz" + Hex32, "/keys/97.key:1: epoch 3: the secret is not valid hex")]
    [InlineData("3 base64:!!!!", "/keys/97.key:1: epoch 3: the secret is not valid base64")]
    [InlineData("3 " + Hex32, "/keys/97.key:1: epoch 3: the secret must start with 'hex:' or 'base64:'")]
    [InlineData("3", "/keys/97.key:1: expected '<epoch> hex:<digits>' or '<epoch> base64:<text>'")]
    [InlineData("# nothing", "/keys/97.key: key file holds no epoch; expected lines '<epoch 1-255> hex:<digits>' or '<epoch> base64:<text>'")]
    public void Errors_name_file_and_line(string text, string message)
    {
        var (keys, errors) = Parse(text);
        Assert.Null(keys);
        Assert.Equal(message, Assert.Single(errors).ToString());
    }

    [Fact]
    public void Errors_never_quote_the_secret()
    {
        var (_, errors) = Parse("7 hex:" + Hex32 + "0");
        Assert.DoesNotContain(Hex32[..16], Assert.Single(errors).ToString());
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "0640")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherRead, "0404")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    public void Group_or_world_readable_files_are_refused_naming_file_and_mode(UnixFileMode mode, string octal)
    {
        using var dir = new KeyDirectory();
        var path = dir.Write("97", $"1 hex:{Hex32}\n", mode);
        Assert.Null(KeyFile.Load("97", path, out var errors));
        var message = Assert.Single(errors).ToString();
        Assert.Contains(path, message);
        Assert.Contains($"mode {octal}", message);
        Assert.Contains("chmod 600", message);
    }

    [Fact]
    public void Owner_only_file_loads_and_missing_file_is_reported()
    {
        using var dir = new KeyDirectory();
        var path = dir.Write("97", $"1 hex:{Hex32}\n", UnixFileMode.UserRead);
        using var keys = KeyFile.Load("97", path, out var errors);
        Assert.NotNull(keys);
        Assert.Empty(errors);
        Assert.Null(KeyFile.Load("98", Path.Combine(dir.Path, "98.key"), out errors));
        Assert.Contains("does not exist", Assert.Single(errors).Message);
    }

    [Fact]
    public void Key_ring_rereads_changed_files_keeps_last_good_on_errors_and_drops_deleted_ones()
    {
        using var dir = new KeyDirectory();
        var path = dir.Write("97", KeyDirectory.Epoch(1));
        using var ring = new KeyRing(dir.Path);
        Assert.Equal([1], ring.Get("97")!.Epochs);
        Assert.Empty(ring.Poll());

        dir.Write("97", KeyDirectory.Epoch(1) + KeyDirectory.Epoch(2));
        Assert.Equal(["97"], ring.Poll());
        Assert.Equal([1, 2], ring.Get("97")!.Epochs);

        // turned group-readable: refused and reported, the last good keys stay
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.Empty(ring.Poll());
        Assert.Equal([1, 2], ring.Get("97")!.Epochs);
        Assert.Contains("mode 0640", Assert.Single(ring.Errors["97"]).Message);

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Empty(ring.Poll()); // same keys again: nothing changed for the negotiators
        Assert.Empty(ring.Errors);

        // same size, same mtime, new content renamed over it (as config tools do): the inode tells
        var replacement = Path.Combine(dir.Path, "97.tmp");
        File.WriteAllText(replacement, KeyDirectory.Epoch(1) + KeyDirectory.Epoch(3));
        File.SetUnixFileMode(replacement, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetLastWriteTimeUtc(replacement, File.GetLastWriteTimeUtc(path));
        Assert.Equal(new FileInfo(path).Length, new FileInfo(replacement).Length);
        File.Move(replacement, path, overwrite: true);
        Assert.Equal(["97"], ring.Poll());
        Assert.Equal([1, 3], ring.Get("97")!.Epochs);

        File.Delete(path);
        Assert.Equal(["97"], ring.Poll());
        Assert.Null(ring.Get("97"));
    }
}
