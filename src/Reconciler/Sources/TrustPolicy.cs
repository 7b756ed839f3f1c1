namespace VnetReconciler.Reconciler.Sources;

/// <summary>Which commits must carry a trusted signature (SPEC §6.2), weakest first.</summary>
public enum SignatureMode
{
    /// <summary>Signatures are not checked.</summary>
    None = 0,

    /// <summary>The commit to apply must be signed.</summary>
    Head = 1,

    /// <summary>Every commit since the last applied one (and the head) must be signed.</summary>
    EveryCommit = 2,
}

/// <summary>
/// The host-local trust anchor (SPEC §6.2), read from <c>--trust FILE</c> (default
/// <see cref="DefaultPath"/>), never from the repository it protects. Format: docs/trust.md.
/// </summary>
public sealed record TrustPolicy
{
    public const string DefaultPath = "/etc/vnet-reconciler/trust.yaml";

    /// <summary>No trust file: signatures unchecked, history rewrites refused.</summary>
    public static TrustPolicy None { get; } = new();

    public SignatureMode Mode { get; init; }

    /// <summary>An OpenSSH allowed-signers file (<c>ssh-keygen -Y verify</c> format), absolute; null when SSH signatures are not trusted.</summary>
    public string? SshAllowedSigners { get; init; }

    /// <summary>The trusted OpenPGP keys, absolute: a GnuPG home directory, or a keyring file (binary
    /// <c>gpg --export</c> output or a keybox); null when OpenPGP signatures are not trusted.</summary>
    public string? GpgKeyring { get; init; }

    /// <summary>Whether a tracked ref may move to a commit that does not descend from the last applied one.</summary>
    public bool AllowRewind { get; init; }

    /// <summary>Whether any signer is trusted at all.</summary>
    public bool HasAnchor => SshAllowedSigners is not null || GpgKeyring is not null;
}

/// <summary>
/// The policy in force: the host-local one, made stricter by the fleet where the fleet asks (SPEC §2.4
/// <c>signatures</c>). The fleet file lives in the repository being verified, so it can only add
/// requirements: it cannot lower the mode, add signers or allow rewinds.
/// </summary>
public static class EffectivePolicy
{
    /// <param name="host">The host-local trust file's policy.</param>
    /// <param name="fleetMinimum">The mode the fleet file requires (None when it says nothing).</param>
    /// <param name="fleetForbidsRewind">The fleet file refuses rewinds (can only turn <see cref="TrustPolicy.AllowRewind"/> off).</param>
    public static TrustPolicy Combine(TrustPolicy host, SignatureMode fleetMinimum, bool fleetForbidsRewind = false) =>
        host with
        {
            Mode = (SignatureMode)Math.Max((int)host.Mode, (int)fleetMinimum),
            AllowRewind = host.AllowRewind && !fleetForbidsRewind,
        };
}
