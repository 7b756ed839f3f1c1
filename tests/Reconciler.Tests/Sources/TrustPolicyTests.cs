using VnetReconciler.Reconciler.Sources;

namespace VnetReconciler.Reconciler.Tests.Sources;

public sealed class TrustPolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vnet-trust-").FullName;

    public TrustPolicyTests()
    {
        File.WriteAllText(Path.Combine(_dir, "allowed_signers"), "");
        Directory.CreateDirectory(Path.Combine(_dir, "gnupg"));
    }

    private string TrustPath => Path.Combine(_dir, "trust.yaml");

    [Fact]
    public void Reads_every_field_and_resolves_paths_from_the_trust_files_directory()
    {
        var load = TrustFile.Parse(TrustPath, """
            mode: every-commit
            ssh:
              allowed_signers: allowed_signers
            gpg: { keyring: gnupg }
            allow_rewind: true
            """);

        Assert.True(load.Succeeded, string.Join("; ", load.Errors));
        Assert.Equal(new TrustPolicy
        {
            Mode = SignatureMode.EveryCommit,
            SshAllowedSigners = Path.Combine(_dir, "allowed_signers"),
            GpgKeyring = Path.Combine(_dir, "gnupg"),
            AllowRewind = true,
        }, load.Policy);
    }

    [Fact]
    public void A_signer_without_a_mode_means_head_and_an_empty_file_means_no_policy()
    {
        Assert.Equal(SignatureMode.Head, TrustFile.Parse(TrustPath, "ssh: { allowed_signers: allowed_signers }").Policy!.Mode);
        Assert.Equal(TrustPolicy.None, TrustFile.Parse(TrustPath, "# nothing yet\n").Policy);
    }

    [Fact]
    public void A_missing_file_is_no_policy_by_default_and_an_error_when_named_explicitly()
    {
        var missing = Path.Combine(_dir, "absent.yaml");
        Assert.Equal(TrustPolicy.None, TrustFile.Load(missing, required: false).Policy);
        Assert.Equal($"{missing}:1:1: trust file not found", Assert.Single(TrustFile.Load(missing, required: true).Errors).ToString());
    }

    [Theory]
    [InlineData("mode: always\nssh: { allowed_signers: allowed_signers }", 1, 7, "mode must be none, head or every-commit, not 'always'")]
    [InlineData("mode: head", 1, 1, "a signature mode needs a signer")]
    [InlineData("ssh: { allowed_signers: allowed_signers }\nallow_rewnd: true", 2, 1, "unknown key 'allow_rewnd'")]
    [InlineData("ssh:\n  allowed_signers: nope", 2, 20, "does not exist")]
    [InlineData("gpg: { keyring: nope }", 1, 17, "(a GnuPG home directory or keyring file)")]
    [InlineData("ssh: { allowed_signers: allowed_signers, extra: 1 }", 1, 42, "unknown key 'extra'")]
    [InlineData("allow_rewind: maybe", 1, 15, "allow_rewind must be true or false")]
    [InlineData("mode: [head", 2, 1, "")]
    [InlineData("ssh: { allowed_signers: allowed_signers }\nmode: head\nmode: none", 3, 1, "")]
    public void Errors_name_file_line_and_column(string yaml, int line, int column, string message)
    {
        var load = TrustFile.Parse(TrustPath, yaml);

        Assert.False(load.Succeeded);
        Assert.Null(load.Policy);
        var error = load.Errors[0];
        Assert.Equal((TrustPath, line, column), (error.File, error.Line, error.Column));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData(SignatureMode.None, SignatureMode.None, SignatureMode.None)]
    [InlineData(SignatureMode.None, SignatureMode.Head, SignatureMode.Head)]
    [InlineData(SignatureMode.Head, SignatureMode.None, SignatureMode.Head)]
    [InlineData(SignatureMode.Head, SignatureMode.EveryCommit, SignatureMode.EveryCommit)]
    [InlineData(SignatureMode.EveryCommit, SignatureMode.None, SignatureMode.EveryCommit)]
    [InlineData(SignatureMode.EveryCommit, SignatureMode.Head, SignatureMode.EveryCommit)]
    public void The_fleet_can_only_raise_the_mode(SignatureMode host, SignatureMode fleet, SignatureMode effective) =>
        Assert.Equal(effective, EffectivePolicy.Combine(new TrustPolicy { Mode = host, SshAllowedSigners = "/x" }, fleet).Mode);

    [Fact]
    public void The_fleet_can_forbid_rewinds_but_never_allow_them_or_change_signers()
    {
        var host = new TrustPolicy { Mode = SignatureMode.Head, SshAllowedSigners = "/etc/s", AllowRewind = true };
        Assert.False(EffectivePolicy.Combine(host, SignatureMode.None, fleetForbidsRewind: true).AllowRewind);
        Assert.False(EffectivePolicy.Combine(TrustPolicy.None, SignatureMode.None).AllowRewind);
        Assert.Equal("/etc/s", EffectivePolicy.Combine(host, SignatureMode.EveryCommit).SshAllowedSigners);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
