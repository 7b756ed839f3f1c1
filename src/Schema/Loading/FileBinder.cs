using VnetReconciler.Schema.Model;
using VnetReconciler.Schema.Sxp;
using VnetReconciler.Schema.Yaml;

namespace VnetReconciler.Schema.Loading;

/// <summary>What one file contributes, in the file's order.</summary>
internal sealed class FileContent
{
    public List<Vnet> Vnets { get; } = [];
    public List<Host> Hosts { get; } = [];
    public List<Peer> Peers { get; } = [];
    public Fleet? Fleet { get; set; }
    public List<Diagnostic> Diagnostics { get; } = [];
    /// <summary>True when the file was read and bound without errors (the validators may still find some).</summary>
    public bool Bound { get; set; }
}

/// <summary>Reads one file (SXP or YAML) and binds the forms its directory allows.</summary>
internal static class FileBinder
{
    public static FileContent Bind(SourceFile file, FileRole role, FileFormat format)
    {
        var content = new FileContent();
        var diagnostics = content.Diagnostics;
        List<TopForm> forms;
        if (format == FileFormat.Sxp)
        {
            var doc = SxpReader.Read(file.Text, file.Path);
            diagnostics.AddRange(doc.Diagnostics);
            forms = doc.HasErrors ? [] : SxpForms.TopForms(doc.Forms, (kind, at) => AcceptsKind(role, kind, at, diagnostics), diagnostics);
        }
        else
            forms = YamlReader.TopForms(file.Text, file.Path, diagnostics);

        var expected = RepositoryLayout.FormFor(role);
        SourceSpan? firstSingle = null;
        foreach (var form in forms)
        {
            if (format == FileFormat.Yaml && !AcceptsKind(role, form.Kind, form.KindSpan, diagnostics)) continue;
            if (form.Body is not DataMap body)
            {
                diagnostics.Add(Diagnostic.Error(form.Body.Span, DiagnosticCodes.Type, $"'{form.Kind}' must be a mapping of fields, found {form.Body.Describe}"));
                continue;
            }
            if (role is FileRole.Hosts or FileRole.Fleet)
            {
                if (firstSingle is { } first)
                {
                    diagnostics.Add(Diagnostic.Error(form.KindSpan, DiagnosticCodes.Form,
                        $"a {expected} file holds one {expected}; another starts at {first.Describe(file.Path)}"));
                    continue;
                }
                firstSingle = form.KindSpan;
            }
            switch (role)
            {
                case FileRole.Vnets:
                    if (ModelBinder.BindVnet(body, diagnostics) is { } vnet) content.Vnets.Add(vnet);
                    break;
                case FileRole.Hosts:
                    if (ModelBinder.BindHost(body, diagnostics) is { } host) content.Hosts.Add(host);
                    break;
                case FileRole.Peers:
                    if (ModelBinder.BindPeer(body, form.Kind, diagnostics) is { } peer) content.Peers.Add(peer);
                    break;
                case FileRole.Fleet:
                    content.Fleet = ModelBinder.BindFleet(body, diagnostics);
                    break;
            }
        }
        return content;
    }

    /// <summary>True when a file of <paramref name="role"/> may hold a <paramref name="kind"/> form (else reported).</summary>
    private static bool AcceptsKind(FileRole role, string kind, SourceSpan at, List<Diagnostic> diagnostics)
    {
        var expected = RepositoryLayout.FormFor(role);
        if (kind == expected || (kind == "peer.add" && role == FileRole.Peers)) return true;
        var where = role == FileRole.Fleet ? "a fleet file" : $"a file under {expected}s/";
        diagnostics.Add(Diagnostic.Error(at, DiagnosticCodes.Form, $"{where} holds {expected} forms, found '{kind}'"));
        return false;
    }
}
