namespace VnetReconciler.Reconciler.Sources;

/// <summary>Why a revision is not trusted.</summary>
public enum TrustFailure
{
    /// <summary>The ref moved to a commit that does not descend from the last applied one.</summary>
    Rewind,

    /// <summary>A commit that must be signed is not.</summary>
    Unsigned,

    /// <summary>The signature does not match the commit.</summary>
    BadSignature,

    /// <summary>A valid signature by a key the trust file does not name.</summary>
    UntrustedSigner,

    /// <summary>The key expired, was revoked, or the signature expired.</summary>
    ExpiredOrRevoked,

    /// <summary>Signed in a format (SSH, OpenPGP, X.509) the trust file names no signers for.</summary>
    UntrustedFormat,

    /// <summary>Signatures are required (possibly by the fleet) but the host trusts no signer.</summary>
    NoTrustAnchor,
}

/// <summary>The answer of <see cref="SignatureVerifier"/>: accepted, or which commit failed and why.</summary>
public sealed record TrustVerdict(bool Accepted, string? Commit, TrustFailure? Failure, string Message)
{
    public static TrustVerdict Accept(string message) => new(true, null, null, message);

    public static TrustVerdict Refuse(string? commit, TrustFailure failure, string message) => new(false, commit, failure, message);

    public override string ToString() =>
        Accepted ? $"trusted: {Message}" : $"refused ({Failure}{(Commit is null ? "" : $" at {Commit[..12]}")}): {Message}";
}
