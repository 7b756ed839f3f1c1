using System.Text;

namespace VnetReconciler.Reconciler.Sources;

public sealed partial class SignatureVerifier
{
    private enum SignatureFormat { None, Ssh, OpenPgp, X509 }

    private sealed record CommitCheck(string Commit, string Signer, TrustFailure? Failure, string Message);

    /// <summary>
    /// Checks each commit: the format from the raw commit's <c>gpgsig</c> header (so a valid SSH signature by an
    /// unknown key is never taken for a GPG one), then git's verdict (<c>%G?</c>, trust <c>%GT</c>, signer <c>%GS</c>)
    /// with the trust file's signers and nothing from the user's configuration.
    /// </summary>
    private async Task<IReadOnlyList<CommitCheck>> CheckAsync(TrustPolicy policy, IReadOnlyList<string> commits, CancellationToken ct)
    {
        var raw = await _source.ReadObjectsAsync(commits, ct).ConfigureAwait(false);
        var formats = raw.Select(r => FormatOf(r.Span)).ToList();
        // %GT only for SSH: git 2.39 aborts on %GT for an OpenPGP signature whose key has no trust record.
        var ssh = await GitVerdictsAsync(policy, [.. commits.Where((_, i) => formats[i] == SignatureFormat.Ssh)], "%GT", ct).ConfigureAwait(false);
        var gpg = await GitVerdictsAsync(policy, [.. commits.Where((_, i) => formats[i] == SignatureFormat.OpenPgp)], "", ct).ConfigureAwait(false);
        var checks = new List<CommitCheck>(commits.Count);
        for (var i = 0; i < commits.Count; i++)
        {
            var (status, trust, signer) = ssh.TryGetValue(commits[i], out var v) || gpg.TryGetValue(commits[i], out v) ? v : ("N", "", "");
            checks.Add(Judge(policy, commits[i], formats[i], status, trust, signer));
        }
        return checks;
    }

    private static CommitCheck Judge(TrustPolicy policy, string commit, SignatureFormat format, string status, string trust, string signer)
    {
        var who = signer.Length > 0 ? signer : "an unknown key";
        return (format, status) switch
        {
            (SignatureFormat.None, _) => new(commit, "", TrustFailure.Unsigned, $"commit {commit[..12]} is not signed"),
            (SignatureFormat.X509, _) => new(commit, "", TrustFailure.UntrustedFormat, $"commit {commit[..12]} has an X.509 signature; only SSH and OpenPGP are supported"),
            (SignatureFormat.Ssh, _) when policy.SshAllowedSigners is null =>
                new(commit, "", TrustFailure.UntrustedFormat, $"commit {commit[..12]} is SSH-signed but the trust file names no ssh.allowed_signers"),
            (SignatureFormat.OpenPgp, _) when policy.GpgKeyring is null =>
                new(commit, "", TrustFailure.UntrustedFormat, $"commit {commit[..12]} is GPG-signed but the trust file names no gpg.keyring"),
            // SSH: git says G for any good signature; only a key in allowed_signers has full trust.
            (SignatureFormat.Ssh, "G") when trust is "fully" or "ultimate" => new(commit, who, null, "good"),
            (SignatureFormat.Ssh, "G" or "U") =>
                new(commit, "", TrustFailure.UntrustedSigner, $"commit {commit[..12]} is signed by a key not in {policy.SshAllowedSigners}"),
            // OpenPGP: the keyring is the anchor, so a good signature by any key in it counts (U: good, owner trust unset).
            (SignatureFormat.OpenPgp, "G" or "U") => new(commit, who, null, "good"),
            (_, "E") => new(commit, "", TrustFailure.UntrustedSigner, $"commit {commit[..12]} is signed by a key the trust file does not hold"),
            (_, "X" or "Y" or "R") => new(commit, "", TrustFailure.ExpiredOrRevoked, $"commit {commit[..12]}: signature by {who} is expired or revoked ({status})"),
            _ => new(commit, "", TrustFailure.BadSignature, $"commit {commit[..12]} has a bad signature ({status})"),
        };
    }

    private async Task<Dictionary<string, (string Status, string Trust, string Signer)>> GitVerdictsAsync(
        TrustPolicy policy, IReadOnlyList<string> commits, string trustField, CancellationToken ct)
    {
        var verdicts = new Dictionary<string, (string, string, string)>(StringComparer.Ordinal);
        if (commits.Count == 0) return verdicts;
        List<string> args =
        [
            "-c", "gpg.program=gpg", "-c", "gpg.ssh.program=ssh-keygen", "-c", "log.showSignature=false",
            "-c", $"gpg.ssh.allowedSignersFile={policy.SshAllowedSigners ?? "/dev/null"}",
            "log", "--no-walk=unsorted", "--stdin", $"--format=%H%x1f%G?%x1f{trustField}%x1f%GS%x1e",
        ];
        var env = new Dictionary<string, string?> { ["GNUPGHOME"] = GnupgHome(policy.GpgKeyring) };
        // The ids go on stdin: an every-commit range can be longer than a command line.
        var ids = Encoding.ASCII.GetBytes(string.Concat(commits.Select(c => c + "\n")));
        // Each signature costs a gpg or ssh-keygen run: the limit grows with the range.
        var timeout = _source.LocalTimeout + TimeSpan.FromMilliseconds(100) * commits.Count;
        var result = (await _source.Git.RunAsync(args, _source.MirrorDir, timeout, ct, ids, env).ConfigureAwait(false))
            .EnsureSuccess();
        foreach (var record in result.Stdout.Split('\x1e'))
        {
            var fields = record.Trim('\n').Split('\x1f');
            if (fields.Length == 4) verdicts[fields[0]] = (fields[1], fields[2], fields[3]);
        }
        return verdicts;
    }

    /// <summary>
    /// The GnuPG home verification runs with, so GnuPG reads only the trust file's keys: the named directory
    /// itself, or for a keyring file a private home in the mirror whose <c>gpg.conf</c> uses that file alone
    /// (without a keyring, an empty private home).
    /// </summary>
    private string GnupgHome(string? keyring)
    {
        if (keyring is not null && Directory.Exists(keyring)) return keyring;
        var home = Path.Combine(_source.MirrorDir, keyring is null ? "vnet-gnupg-none" : "vnet-gnupg");
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(home);
        else Directory.CreateDirectory(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // gpg.conf(5): no-default-keyring drops the home's own pubring; keyring adds the named file.
        var conf = keyring is null ? "no-default-keyring\n" : $"no-default-keyring\nkeyring {keyring}\n";
        var path = Path.Combine(home, "gpg.conf");
        if (!File.Exists(path) || File.ReadAllText(path) != conf) File.WriteAllText(path, conf);
        return home;
    }

    /// <summary>The signature format from the <c>gpgsig</c> header of a raw commit object (git's commit format).</summary>
    private static SignatureFormat FormatOf(ReadOnlySpan<byte> commit)
    {
        var text = Encoding.UTF8.GetString(commit);
        var headerEnd = text.IndexOf("\n\n", StringComparison.Ordinal);
        var headers = headerEnd < 0 ? text : text[..headerEnd];
        var at = headers.IndexOf("\ngpgsig ", StringComparison.Ordinal);
        if (at < 0) return SignatureFormat.None;
        var first = headers[(at + "\ngpgsig ".Length)..].Split('\n')[0];
        return first switch
        {
            "-----BEGIN SSH SIGNATURE-----" => SignatureFormat.Ssh,
            "-----BEGIN PGP SIGNATURE-----" => SignatureFormat.OpenPgp,
            _ => SignatureFormat.X509,
        };
    }
}
