using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts;

/// <summary>A problem in a flow file, with where it is: <c>bank.yaml:12:7: step 'menu' goes to 'balanse', which does
/// not exist</c>.</summary>
public sealed record FlowDiagnostic(SourceSpan Span, string Message)
{
    /// <summary><c>file:line:column: message</c>.</summary>
    public override string ToString() => $"{Span}: {Message}";
}
