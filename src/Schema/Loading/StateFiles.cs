using System.Globalization;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Loading;

/// <summary>
/// The file layout the writers give a whole state: <c>fleet.*</c>, one file per vnet and per host named
/// <c>NNNNN-name</c> so path order keeps the state's order, and all peers in <c>peers/peers.*</c>.
/// </summary>
internal static class StateFiles
{
    public static IReadOnlyList<SourceFile> Layout(DesiredState state, string extension, Func<IEnumerable<TopForm>, string> print)
    {
        var files = new List<SourceFile>();
        if (state.Fleet != Fleet.Default) files.Add(new SourceFile("fleet" + extension, print([ModelTree.Of(state.Fleet)])));
        for (var i = 0; i < state.Vnets.Count; i++)
            files.Add(new SourceFile($"vnets/{Name(i, state.Vnets[i].Bridge)}{extension}", print([ModelTree.Of(state.Vnets[i])])));
        for (var i = 0; i < state.Hosts.Count; i++)
            files.Add(new SourceFile($"hosts/{Name(i, state.Hosts[i].Name)}{extension}", print([ModelTree.Of(state.Hosts[i])])));
        if (state.Peers.Count > 0) files.Add(new SourceFile("peers/peers" + extension, print(state.Peers.Select(ModelTree.Of))));
        return files;
    }

    private static string Name(int index, string name)
    {
        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return index.ToString("D5", CultureInfo.InvariantCulture) + "-" + safe;
    }
}
