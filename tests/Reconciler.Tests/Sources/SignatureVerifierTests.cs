using VnetReconciler.Reconciler.Sources;

namespace VnetReconciler.Reconciler.Tests.Sources;

/// <summary>The trust policy against real signed commits: SSH and OpenPGP keys made by the test.</summary>
public sealed class SignatureVerifierTests
{
    private static Dictionary<string, string?> Vnet(string id) => new() { ["vnets/v.yaml"] = $"vnet: {{ id: \"{id}\" }}\n" };

    private static TrustPolicy Policy(string yaml, string dir)
    {
        var load = TrustFile.Parse(Path.Combine(dir, "trust.yaml"), yaml);
        Assert.True(load.Succeeded, string.Join("; ", load.Errors));
        return load.Policy!;
    }

    private static async Task<TrustVerdict> VerifyHead(TestRepository repo, TrustPolicy policy, string? lastApplied = null)
    {
        var source = repo.Source(repo.Work);
        var head = await source.FetchAsync("main");
        return await new SignatureVerifier(source).VerifyAsync(policy, head, lastApplied);
    }

    [Fact]
    public async Task Ssh_a_head_signed_by_an_allowed_signer_is_accepted()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        var alice = signers.Ssh("alice", trusted: true);
        repo.Commit(Vnet("97"), "signed", alice.SignArgs);

        var verdict = await VerifyHead(repo, Policy($"ssh: {{ allowed_signers: {signers.AllowedSigners} }}", repo.Root));

        Assert.True(verdict.Accepted, verdict.ToString());
        Assert.Contains("alice@example.test", verdict.Message);
    }

    [Fact]
    public async Task Ssh_an_unsigned_head_is_refused()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        signers.Ssh("alice", trusted: true);
        var head = repo.Commit(Vnet("97"), "unsigned");

        var verdict = await VerifyHead(repo, Policy("ssh: { allowed_signers: allowed_signers }\nmode: head", repo.Root));

        Assert.False(verdict.Accepted);
        Assert.Equal(TrustFailure.Unsigned, verdict.Failure);
        Assert.Equal(head, verdict.Commit);
    }

    [Fact]
    public async Task Ssh_a_head_signed_by_a_key_not_in_allowed_signers_is_refused()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        signers.Ssh("alice", trusted: true);
        var mallory = signers.Ssh("mallory", trusted: false);
        repo.Commit(Vnet("97"), "signed by someone else", mallory.SignArgs);

        var verdict = await VerifyHead(repo, Policy("ssh: { allowed_signers: allowed_signers }", repo.Root));

        Assert.False(verdict.Accepted);
        Assert.Equal(TrustFailure.UntrustedSigner, verdict.Failure);
    }

    [Fact]
    public async Task Gpg_a_head_signed_by_a_key_in_the_trusted_keyring_is_accepted_and_another_key_is_refused()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        var alice = signers.Gpg("alice", trusted: true);
        var mallory = signers.Gpg("mallory", trusted: false);
        var policy = Policy($"mode: head\ngpg:\n  keyring: {signers.TrustedKeyring}\n", repo.Root);

        repo.Commit(Vnet("97"), "signed by alice", alice.SignArgs, alice.Env);
        var good = await VerifyHead(repo, policy);
        Assert.True(good.Accepted, good.ToString());
        Assert.Contains("alice@example.test", good.Message);

        repo.Commit(Vnet("98"), "signed by mallory", mallory.SignArgs, mallory.Env);
        var foreign = await VerifyHead(repo, policy);
        Assert.False(foreign.Accepted);
        Assert.Equal(TrustFailure.UntrustedSigner, foreign.Failure);

        repo.Commit(Vnet("99"), "unsigned");
        Assert.Equal(TrustFailure.Unsigned, (await VerifyHead(repo, policy)).Failure);
    }

    [Fact]
    public async Task Gpg_a_keyring_file_works_like_a_keyring_directory()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        var alice = signers.Gpg("alice", trusted: true);
        var mallory = signers.Gpg("mallory", trusted: false);
        var policy = Policy("gpg: { keyring: trusted.gpg }", repo.Root);
        Assert.Equal(signers.TrustedKeyringFile, policy.GpgKeyring);

        repo.Commit(Vnet("97"), "signed by alice", alice.SignArgs, alice.Env);
        var good = await VerifyHead(repo, policy);
        Assert.True(good.Accepted, good.ToString());

        repo.Commit(Vnet("98"), "signed by mallory", mallory.SignArgs, mallory.Env);
        Assert.Equal(TrustFailure.UntrustedSigner, (await VerifyHead(repo, policy)).Failure);
    }

    [Fact]
    public async Task A_valid_ssh_signature_does_not_satisfy_a_gpg_only_policy()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        var alice = signers.Ssh("alice", trusted: true);
        _ = signers.TrustedKeyring;
        repo.Commit(Vnet("97"), "ssh-signed", alice.SignArgs);

        var verdict = await VerifyHead(repo, Policy($"gpg: {{ keyring: {signers.TrustedKeyring} }}", repo.Root));

        Assert.Equal(TrustFailure.UntrustedFormat, verdict.Failure);
    }

    [Fact]
    public async Task Every_commit_mode_refuses_an_unsigned_commit_in_the_middle_that_head_mode_lets_through()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        var alice = signers.Ssh("alice", trusted: true);
        var applied = repo.Commit(Vnet("97"), "applied", alice.SignArgs);
        var middle = repo.Commit(Vnet("98"), "sneaked in unsigned");
        repo.Commit(Vnet("99"), "signed on top", alice.SignArgs);
        for (var i = 0; i < 3; i++) repo.Commit(Vnet($"a{i}"), $"more {i}", alice.SignArgs);
        var source = repo.Source("file://" + repo.MakeBare());
        await source.FetchAsync(applied);
        var head = await source.FetchAsync("main");
        var verifier = new SignatureVerifier(source);

        var headOnly = await verifier.VerifyAsync(Policy("mode: head\nssh: { allowed_signers: allowed_signers }", repo.Root), head, applied);
        Assert.True(headOnly.Accepted, headOnly.ToString());

        var every = await verifier.VerifyAsync(Policy("mode: every-commit\nssh: { allowed_signers: allowed_signers }", repo.Root), head, applied);
        Assert.False(every.Accepted);
        Assert.Equal(TrustFailure.Unsigned, every.Failure);
        Assert.Equal(middle, every.Commit);
    }

    [Fact]
    public async Task A_force_pushed_rewind_is_refused_unless_the_trust_file_allows_it()
    {
        using var repo = new TestRepository();
        var older = repo.Commit(Vnet("97"), "older");
        var applied = repo.Commit(Vnet("98"), "applied");
        var bare = repo.MakeBare();
        var source = repo.Source("file://" + bare);
        Assert.Equal(applied, (await source.FetchAsync("main")).CommitId);

        repo.Git(repo.Work, "reset", "--quiet", "--hard", older);
        var rewritten = repo.Commit(Vnet("99"), "history rewritten");
        repo.Push("main");
        var head = await source.FetchAsync("main");
        Assert.Equal(rewritten, head.CommitId);
        var verifier = new SignatureVerifier(source);

        var refused = await verifier.VerifyAsync(TrustPolicy.None, head, applied);
        Assert.False(refused.Accepted);
        Assert.Equal(TrustFailure.Rewind, refused.Failure);

        var allowed = await verifier.VerifyAsync(Policy("allow_rewind: true", repo.Root), head, applied);
        Assert.True(allowed.Accepted, allowed.ToString());

        // Moving forward again from the rewritten head is an ordinary descendant.
        var next = repo.Commit(Vnet("9a"), "forward");
        repo.Push("main");
        var forward = await verifier.VerifyAsync(TrustPolicy.None, await source.FetchAsync("main"), rewritten);
        Assert.True(forward.Accepted, forward.ToString());
        Assert.Equal(next, repo.Head());
    }

    [Fact]
    public async Task An_allowed_rewind_in_every_commit_mode_checks_the_new_head()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        var alice = signers.Ssh("alice", trusted: true);
        var older = repo.Commit(Vnet("97"), "from before signing was required");
        var applied = repo.Commit(Vnet("98"), "applied", alice.SignArgs);
        var source = repo.Source("file://" + repo.MakeBare());
        await source.FetchAsync("main");
        repo.Git(repo.Work, "reset", "--quiet", "--hard", older);
        repo.Commit(Vnet("99"), "rolled back and signed", alice.SignArgs);
        repo.Push("main");
        var head = await source.FetchAsync("main");
        var verifier = new SignatureVerifier(source);

        var signedHead = await verifier.VerifyAsync(
            Policy("mode: every-commit\nallow_rewind: true\nssh: { allowed_signers: allowed_signers }", repo.Root), head, applied);
        Assert.True(signedHead.Accepted, signedHead.ToString());

        repo.Git(repo.Work, "reset", "--quiet", "--hard", older);
        repo.Push("main");
        var unsignedHead = await verifier.VerifyAsync(
            Policy("mode: every-commit\nallow_rewind: true\nssh: { allowed_signers: allowed_signers }", repo.Root),
            await source.FetchAsync("main"), applied);
        Assert.Equal(TrustFailure.Unsigned, unsignedHead.Failure);
    }

    [Fact]
    public async Task A_fleet_file_that_asks_for_no_signatures_changes_nothing()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        signers.Ssh("alice", trusted: true);
        repo.Commit(Vnet("97"), "unsigned");
        var host = Policy("mode: head\nssh: { allowed_signers: allowed_signers }", repo.Root);

        var effective = EffectivePolicy.Combine(host, SignatureMode.None);

        Assert.Equal(host, effective);
        Assert.Equal(TrustFailure.Unsigned, (await VerifyHead(repo, effective)).Failure);
    }

    [Fact]
    public async Task A_fleet_that_requires_signatures_on_a_host_without_signers_refuses_everything()
    {
        using var repo = new TestRepository();
        repo.Commit(Vnet("97"), "unsigned");

        var verdict = await VerifyHead(repo, EffectivePolicy.Combine(TrustPolicy.None, SignatureMode.EveryCommit));

        Assert.Equal(TrustFailure.NoTrustAnchor, verdict.Failure);
    }
}
