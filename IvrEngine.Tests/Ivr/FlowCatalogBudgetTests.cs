using IvrEngine.Ivr;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Tests.Ivr;

/// <summary>The catalog checks the flows against the budgets of its settings: a folder whose flow cannot fit does not
/// start, and an edit that cannot fit is refused while the last good set keeps serving.</summary>
public sealed class FlowCatalogBudgetTests : IDisposable
{
    private const string Fits = """
        flow: main
        numbers: ["7000"]
        steps:
          note:
            set: { note: { value: '=Caller', max: 40 } }
            next: hand-on
          hand-on:
            transfer: { queue: general }
        """;

    private readonly TempFlowsFolder _folder = new();
    private readonly LogCapture _logs = new();
    private readonly ILoggerFactory _loggers;

    public FlowCatalogBudgetTests() => _loggers = LoggerFactory.Create(b => b.AddProvider(_logs));

    public void Dispose()
    {
        _loggers.Dispose();
        _folder.Dispose();
    }

    private FlowCatalog Catalog() => new(
        Options.Create(new FlowsOptions { Path = _folder.Path, Budgets = { ChannelVariables = { ValueBytes = 128 } } }),
        _loggers.CreateLogger<FlowCatalog>(), TimeProvider.System, baseDirectory: null, watch: false);

    private static string TooLarge => Fits.Replace("max: 40", "max: 200", StringComparison.Ordinal);

    [Fact]
    public void A_flow_that_cannot_fit_stops_the_start_with_the_message()
    {
        var file = _folder.Write("main.yaml", TooLarge);
        using var catalog = Catalog();

        var failure = catalog.Invoking(c => c.Start()).Should().Throw<FlowsLoadException>().Which;

        var expected = $"{file}:{Scripts.Loading.FlowText.At(TooLarge, "'=Caller'")}: flow 'main': ivr_note (set in step 'note') can reach 200 bytes, over the 128 allowed "
            + "(Flows:Budgets:ChannelVariables:ValueBytes); write a shorter value, or give the expression a smaller max ({ value: ..., max: N })";
        failure.Diagnostics.Select(d => d.ToString()).Should().Equal(expected);
        _logs.Messages(LogLevel.Error).Should().Contain(expected);
    }

    [Fact]
    public void An_edit_that_cannot_fit_is_refused_and_the_last_good_set_keeps_serving()
    {
        _folder.Write("main.yaml", Fits);
        using var catalog = Catalog();
        catalog.Start();
        var good = catalog.Current;

        _folder.Write("main.yaml", TooLarge);
        var refused = catalog.Reload();

        refused.Succeeded.Should().BeFalse();
        refused.Current.Should().BeSameAs(good);
        refused.Diagnostics.Should().ContainSingle().Which.Message.Should().Contain("over the 128 allowed (Flows:Budgets:ChannelVariables:ValueBytes)");
        catalog.Budget.CapOf("ivr_note").Should().Be(128);
    }
}
