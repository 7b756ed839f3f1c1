using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VnetReconciler.Reconciler.Sources;

/// <summary>One problem in a trust file, with its position (1-based).</summary>
public sealed record TrustFileError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>A trust file read: the policy, or (never both) the errors that make every revision unverifiable.</summary>
public sealed record TrustFileLoad(TrustPolicy? Policy, IReadOnlyList<TrustFileError> Errors)
{
    public bool Succeeded => Policy is not null;
}

/// <summary>
/// Reads a trust file (docs/trust.md). Strict, because it guards what the agent applies: unknown keys,
/// missing key files and a mode without a signer are errors, each with <c>file:line:col</c>. A caller
/// that gets errors must refuse every revision until the file is fixed.
/// </summary>
public static class TrustFile
{
    private static readonly string[] s_topKeys = ["mode", "ssh", "gpg", "allow_rewind"];

    /// <summary>Reads <paramref name="path"/>. A missing file is <see cref="TrustPolicy.None"/> unless <paramref name="required"/>
    /// (an explicit <c>--trust</c>), when it is an error.</summary>
    public static TrustFileLoad Load(string path, bool required)
    {
        if (!File.Exists(path))
        {
            return required
                ? new TrustFileLoad(null, [new TrustFileError(path, 1, 1, "trust file not found")])
                : new TrustFileLoad(TrustPolicy.None, []);
        }
        return Parse(path, File.ReadAllText(path));
    }

    /// <summary>Parses trust-file text; relative key paths are taken from <paramref name="path"/>'s directory.</summary>
    public static TrustFileLoad Parse(string path, string text)
    {
        var errors = new List<TrustFileError>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return Failed(path, e.Start, e.InnerException?.Message ?? e.Message);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new TrustFileLoad(TrustPolicy.None, []);
        }
        if (stream.Documents.Count > 1) return Failed(path, stream.Documents[1].RootNode.Start, "a trust file holds one document");
        if (stream.Documents[0].RootNode is not YamlMappingNode root) return Failed(path, stream.Documents[0].RootNode.Start, "expected a mapping");

        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        var policy = TrustPolicy.None;
        SignatureMode? mode = null;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            switch (key)
            {
                case "mode":
                    mode = Scalar(value) switch
                    {
                        "none" => SignatureMode.None,
                        "head" => SignatureMode.Head,
                        "every-commit" => SignatureMode.EveryCommit,
                        var other => Error(value, $"mode must be none, head or every-commit, not '{other}'", SignatureMode.None),
                    };
                    break;
                case "allow_rewind":
                    policy = policy with
                    {
                        AllowRewind = Scalar(value) switch
                        {
                            "true" => true,
                            "false" => false,
                            var other => Error(value, $"allow_rewind must be true or false, not '{other}'", false),
                        },
                    };
                    break;
                case "ssh":
                    policy = policy with { SshAllowedSigners = KeyPath(value, "allowed_signers", allowDirectory: false) };
                    break;
                case "gpg":
                    policy = policy with { GpgKeyring = KeyPath(value, "keyring", allowDirectory: true) };
                    break;
                default:
                    Error(keyNode, $"unknown key '{key}' (known: {string.Join(", ", s_topKeys)})", 0);
                    break;
            }
        }
        policy = policy with { Mode = mode ?? (policy.HasAnchor ? SignatureMode.Head : SignatureMode.None) };
        if (policy.Mode != SignatureMode.None && !policy.HasAnchor)
        {
            Error(root, "a signature mode needs a signer: add ssh.allowed_signers or gpg.keyring", 0);
        }
        return errors.Count == 0 ? new TrustFileLoad(policy, []) : new TrustFileLoad(null, errors);

        T Error<T>(YamlNode at, string message, T fallback)
        {
            errors.Add(new TrustFileError(path, (int)at.Start.Line, (int)at.Start.Column, message));
            return fallback;
        }

        string Scalar(YamlNode node) => node is YamlScalarNode s ? s.Value ?? "" : Error(node, "expected a single value", "");

        string? KeyPath(YamlNode section, string field, bool allowDirectory)
        {
            if (section is not YamlMappingNode map) return Error<string?>(section, $"expected a mapping with '{field}'", null);
            string? found = null;
            foreach (var (k, v) in map.Children)
            {
                var name = (k as YamlScalarNode)?.Value ?? "";
                if (name != field)
                {
                    Error(k, $"unknown key '{name}' (known: {field})", 0);
                    continue;
                }
                var full = Path.GetFullPath(Scalar(v), baseDir);
                if (!File.Exists(full) && !(allowDirectory && Directory.Exists(full)))
                {
                    Error(v, $"{field} '{full}' does not exist{(allowDirectory ? " (a GnuPG home directory or keyring file)" : " (a file)")}", 0);
                }
                found = full;
            }
            return found ?? Error<string?>(section, $"missing '{field}'", null);
        }
    }

    private static TrustFileLoad Failed(string path, Mark at, string message) =>
        new(null, [new TrustFileError(path, (int)at.Line, (int)at.Column, message)]);
}
