using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Sources;

/// <summary>A signer made for one test: what to pass to <see cref="TestRepository.Commit(IReadOnlyDictionary{string, string?}, string, IReadOnlyList{string}?, IDictionary{string, string}?)"/> to sign as it.</summary>
public sealed record TestSigner(string Name, IReadOnlyList<string> SignArgs, IDictionary<string, string>? Env);

/// <summary>
/// Throwaway signing keys in a test's temporary directory: SSH keys from ssh-keygen with an allowed-signers
/// file, and OpenPGP keys generated in batch mode (no passphrase) in private GnuPG homes. Disposing stops
/// the gpg-agents those homes started.
/// </summary>
public sealed class TestSigners(string root) : IDisposable
{
    private readonly List<string> _gnupgHomes = [];

    /// <summary>An ed25519 SSH key; its public half is appended to <c>allowed_signers</c> when <paramref name="trusted"/>.</summary>
    public TestSigner Ssh(string name, bool trusted)
    {
        var key = Path.Combine(root, $"ssh-{name}");
        Cmd.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key]).EnsureSuccess();
        if (trusted)
        {
            File.AppendAllText(AllowedSigners, $"{name}@example.test namespaces=\"git\" {File.ReadAllText(key + ".pub").Trim()}\n");
        }
        return new TestSigner(name, ["-c", "gpg.format=ssh", "-c", $"user.signingkey={key}"], null);
    }

    /// <summary>The allowed-signers file (created empty, so a trust file can name it before any key is trusted).</summary>
    public string AllowedSigners
    {
        get
        {
            var path = Path.Combine(root, "allowed_signers");
            if (!File.Exists(path)) File.WriteAllText(path, "");
            return path;
        }
    }

    /// <summary>The GnuPG home a trust file names: holds the public keys of trusted OpenPGP signers only.</summary>
    public string TrustedKeyring => GnupgHome("trusted");

    /// <summary>The same trusted public keys as one keyring file (binary <c>gpg --export</c> output).</summary>
    public string TrustedKeyringFile => Path.Combine(root, "trusted.gpg");

    /// <summary>An OpenPGP key in its own home; its public key goes into <see cref="TrustedKeyring"/> and <see cref="TrustedKeyringFile"/> when <paramref name="trusted"/>.</summary>
    public TestSigner Gpg(string name, bool trusted)
    {
        var home = GnupgHome(name);
        var env = new Dictionary<string, string> { ["GNUPGHOME"] = home };
        Gpg(env, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", $"{name} <{name}@example.test>", "ed25519", "sign", "never");
        var fingerprint = Gpg(env, "--with-colons", "--list-secret-keys").Split('\n')
            .First(l => l.StartsWith("fpr:", StringComparison.Ordinal)).Split(':')[9];
        if (trusted)
        {
            var exported = Path.Combine(root, $"{name}.asc");
            Gpg(env, "--armor", "--output", exported, "--export", fingerprint);
            Gpg(new Dictionary<string, string> { ["GNUPGHOME"] = TrustedKeyring }, "--import", exported);
            var binary = Path.Combine(root, $"{name}.gpg");
            Gpg(env, "--output", binary, "--export", fingerprint);
            File.AppendAllBytes(TrustedKeyringFile, File.ReadAllBytes(binary));
        }
        return new TestSigner(name, ["-c", "gpg.format=openpgp", "-c", "gpg.program=gpg", "-c", $"user.signingkey={fingerprint}"], env);
    }

    private string GnupgHome(string name)
    {
        var home = Path.Combine(root, $"gnupg-{name}");
        if (!Directory.Exists(home))
        {
            // GnuPG wants its home private (0700).
            if (!OperatingSystem.IsWindows()) Directory.CreateDirectory(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            _gnupgHomes.Add(home);
        }
        return home;
    }

    private static string Gpg(IDictionary<string, string> env, params string[] args) =>
        Cmd.Run("gpg", ["--batch", "--quiet", .. args], env: env).EnsureSuccess().Stdout;

    public void Dispose()
    {
        foreach (var home in _gnupgHomes)
        {
            Cmd.Run("gpgconf", ["--kill", "all"], env: new Dictionary<string, string> { ["GNUPGHOME"] = home });
        }
    }
}
