using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Editing;

public sealed partial class DesiredStateEditor
{
    /// <summary>
    /// The edit that removes the record written at <paramref name="at"/> (a vnet's or a peer's span): the whole file
    /// when the record is its only form; else the form cut out of an SXP file, keeping the rest byte for byte
    /// (<see cref="SxpFormRemoval"/>). A YAML file holding other documents is not rewritten: null with the reason.
    /// </summary>
    public FileEdit? RemovalOf(SourceSpan at, out string? error)
    {
        error = null;
        var state = Loaded.State ?? throw new InvalidOperationException("HEAD does not validate");
        var forms = state.Vnets.Count(v => v.Span.File == at.File) + state.Peers.Count(p => p.Span.File == at.File)
            + state.Hosts.Count(h => h.Span.File == at.File);
        if (forms == 1) return new FileEdit(at.File, null);
        if (!at.File.EndsWith(".sxp", StringComparison.Ordinal))
        {
            error = $"{at.File} holds {forms} definitions and vnetctl rewrites only SXP files: remove the one at {at} by hand";
            return null;
        }
        var text = SxpFormRemoval.Remove(FileAt(at.File)!.Text, at, out error);
        return text is null ? null : new FileEdit(at.File, text);
    }
}
