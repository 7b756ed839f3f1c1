using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using VnetReconciler.Schema;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl validate [DIR] [--strict] [-o text|json]</c> (SPEC §5): parse and validate a desired-state tree. Exit 0
/// when valid, 1 with the diagnostics otherwise. The JSON form is documented in docs/validate.md.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("DIR")
        {
            Description = "The desired-state tree (fleet.*, vnets/, hosts/, peers/)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => ".",
        };
        var strict = new Option<bool>("--strict") { Description = "Treat warnings (unknown fields, …) as errors" };
        var output = new Option<string>("--output", "-o") { Description = "Output format: text or json", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "json");

        var command = new Command("validate", "Parse and validate a desired-state tree; diagnostics as file:line:col: message") { dir, strict, output };
        command.SetAction(parse =>
        {
            var result = DesiredStateLoader.LoadDirectory(parse.GetValue(dir) ?? ".");
            var diagnostics = parse.GetValue(strict) ? result.Diagnostics.Select(d => d.AsError()).ToList() : result.Diagnostics.ToList();
            var valid = !diagnostics.Any(d => d.IsError);
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(output) == "json") WriteJson(writer, valid, diagnostics);
            else WriteText(writer, valid, diagnostics, result.State);
            return valid ? 0 : 1;
        });
        return command;
    }

    private static void WriteJson(TextWriter writer, bool valid, IReadOnlyList<Diagnostic> diagnostics)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteBoolean("valid", valid);
            json.WriteStartArray("diagnostics");
            foreach (var d in diagnostics)
            {
                json.WriteStartObject();
                json.WriteString("file", d.File);
                json.WriteNumber("line", d.Line);
                json.WriteNumber("column", d.Column);
                json.WriteString("severity", d.SeverityText);
                json.WriteString("code", d.Code);
                json.WriteString("message", d.Message);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        writer.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteText(TextWriter writer, bool valid, IReadOnlyList<Diagnostic> diagnostics, DesiredState? state)
    {
        var errors = diagnostics.Count(d => d.IsError);
        var warnings = diagnostics.Count - errors;
        var summary = valid
            ? $"valid: {Count(state!.Vnets.Count, "vnet")}, {Count(state.Hosts.Count, "host")}, {Count(state.Peers.Count, "peer")}" +
              (warnings > 0 ? $" ({Count(warnings, "warning")})" : "")
            : $"invalid: {Count(errors, "error")}" + (warnings > 0 ? $", {Count(warnings, "warning")}" : "");
        if (ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected)
        {
            foreach (var d in diagnostics)
            {
                var colour = d.IsError ? "red" : "yellow";
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(d.Location)}:[/] [{colour}]{d.SeverityText}:[/] {Markup.Escape(d.Message)}");
            }
            AnsiConsole.MarkupLine(valid ? $"[green]{Markup.Escape(summary)}[/]" : $"[red]{Markup.Escape(summary)}[/]");
            return;
        }
        foreach (var d in diagnostics) writer.WriteLine(d.ToString());
        writer.WriteLine(summary);
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
