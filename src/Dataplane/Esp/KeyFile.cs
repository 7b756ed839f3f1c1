using System.Globalization;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>A problem with a key file, located as <c>file:line</c> (line 0: the file as a whole). Never quotes a secret.</summary>
public sealed record KeyFileError(string Path, int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{Path}:{Line}: {Message}" : $"{Path}: {Message}";
}

/// <summary>
/// Reads a key file <c>&lt;key-dir&gt;/&lt;key&gt;.key</c> (SPEC §4.5): lines <c>&lt;epoch&gt; hex:&lt;digits&gt;</c> or
/// <c>&lt;epoch&gt; base64:&lt;text&gt;</c>, epoch 1-255, each secret at least 32 bytes once decoded. Blank lines and lines
/// starting with <c>#</c> are ignored. A file that group or others can read or write is refused before it is read.
/// </summary>
public static class KeyFile
{
    /// <summary>Permission bits a key file must not have: any access by group or others.</summary>
    public const UnixFileMode ForbiddenModes =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Loads and parses the file; on any error returns null and every problem found.</summary>
    public static KeySet? Load(string name, string path, out IReadOnlyList<KeyFileError> errors)
    {
        var problems = new List<KeyFileError>();
        errors = problems;
        string text;
        try
        {
            if (!File.Exists(path))
            {
                problems.Add(new KeyFileError(path, 0, $"key file for key '{name}' does not exist"));
                return null;
            }
            var mode = OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(path); // the dataplane is Linux only
            if ((mode & ForbiddenModes) != 0)
            {
                problems.Add(new KeyFileError(path, 0,
                    $"refusing key file with mode {FormatMode(mode)}: it is accessible to group or others; run chmod 600 {path}"));
                return null;
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new KeyFileError(path, 0, $"cannot read key file: {e.Message}"));
            return null;
        }
        return Parse(name, path, text, problems);
    }

    /// <summary>Parses key file text; on any error returns null and adds every problem to <paramref name="errors"/>.</summary>
    public static KeySet? Parse(string name, string path, string text, List<KeyFileError> errors)
    {
        var epochs = new SortedDictionary<byte, KeySecret>();
        var lineNumber = 0;
        var failed = false;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var secret = ParseLine(path, lineNumber, line, epochs, errors);
            if (secret is null) failed = true;
            else epochs.Add(secret.Epoch, secret);
        }
        if (!failed && epochs.Count == 0)
        {
            errors.Add(new KeyFileError(path, 0, "key file holds no epoch; expected lines '<epoch 1-255> hex:<digits>' or '<epoch> base64:<text>'"));
            failed = true;
        }
        if (!failed) return new KeySet(name, path, epochs);
        foreach (var s in epochs.Values) s.Dispose();
        return null;
    }

    private static KeySecret? ParseLine(string path, int lineNumber, string line, SortedDictionary<byte, KeySecret> epochs, List<KeyFileError> errors)
    {
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            errors.Add(new KeyFileError(path, lineNumber, "expected '<epoch> hex:<digits>' or '<epoch> base64:<text>'"));
            return null;
        }
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) || epoch is < 1 or > 255)
        {
            errors.Add(new KeyFileError(path, lineNumber, $"epoch '{Truncate(parts[0])}' is not a number from 1 to 255"));
            return null;
        }
        if (epochs.ContainsKey((byte)epoch))
        {
            errors.Add(new KeyFileError(path, lineNumber, $"epoch {epoch} appears twice"));
            return null;
        }
        byte[] secret;
        try
        {
            if (parts[1].StartsWith("hex:", StringComparison.Ordinal)) secret = Convert.FromHexString(parts[1].AsSpan(4));
            else if (parts[1].StartsWith("base64:", StringComparison.Ordinal)) secret = Convert.FromBase64String(parts[1][7..]);
            else
            {
                errors.Add(new KeyFileError(path, lineNumber, $"epoch {epoch}: the secret must start with 'hex:' or 'base64:'"));
                return null;
            }
        }
        catch (FormatException)
        {
            // the exception's message could echo the text; say only which encoding failed
            errors.Add(new KeyFileError(path, lineNumber, $"epoch {epoch}: the secret is not valid {(parts[1][0] == 'h' ? "hex" : "base64")}"));
            return null;
        }
        if (secret.Length < KeySecret.MinimumLength)
        {
            errors.Add(new KeyFileError(path, lineNumber, $"epoch {epoch}: the secret is {secret.Length} bytes; at least {KeySecret.MinimumLength} are required"));
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
            return null;
        }
        return new KeySecret((byte)epoch, secret);
    }

    /// <summary>Octal mode as <c>chmod</c> writes it, e.g. <c>0644</c>.</summary>
    public static string FormatMode(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');

    private static string Truncate(string s) => s.Length <= 8 ? s : s[..8] + "…";
}
