using FluentValidation;
using FluentValidation.Results;
using VnetReconciler.Schema.Model;
using FvSeverity = FluentValidation.Severity;

namespace VnetReconciler.Schema.Validation;

/// <summary>Adds failures that carry their position (<see cref="SourceSpan"/> as the custom state) and a code.</summary>
internal readonly struct Reporter<T>(ValidationContext<T> context)
{
    /// <summary>Key of <see cref="ValidationContext{T}.RootContextData"/>: the files bound without errors, so references can be checked.</summary>
    public const string CompleteKey = "complete";

    public bool ReferencesCheckable =>
        !context.RootContextData.TryGetValue(CompleteKey, out var v) || v is true;

    public void Error(SourceSpan at, string code, string message) => Add(at, code, message, FvSeverity.Error);

    public void Warning(SourceSpan at, string code, string message) => Add(at, code, message, FvSeverity.Warning);

    private void Add(SourceSpan at, string code, string message, FvSeverity severity) =>
        context.AddFailure(new ValidationFailure("", message) { CustomState = at, ErrorCode = code, Severity = severity });
}

/// <summary>A rule over the whole state (cross-file): one per file, run by <see cref="DesiredStateValidator"/>.</summary>
internal abstract class StateRule : RecordRule<DesiredState>;

/// <summary>
/// One small rule over one record, one per file. Rules are plain checks; <see cref="RuleSet{T}"/> runs a list of them as
/// a single FluentValidation rule (one context per record rather than one per rule, which matters at 10,000 vnets).
/// </summary>
internal abstract class RecordRule<T>
{
    public abstract void Check(T record, Reporter<T> report);
}

/// <summary>A FluentValidation validator that runs <paramref name="rules"/> in order and collects what they report.</summary>
internal class RuleSet<T> : AbstractValidator<T>
{
    public RuleSet(params RecordRule<T>[] rules) =>
        RuleFor(x => x).Custom((record, context) =>
        {
            var report = new Reporter<T>(context);
            foreach (var rule in rules) rule.Check(record, report);
        });
}
