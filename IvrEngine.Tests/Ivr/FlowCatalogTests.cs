using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.Ivr;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Ivr;

/// <summary>Loading the flows folder at start, and reloading it: good edits replace the set, broken ones are refused.</summary>
public sealed class FlowCatalogTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly TempFlowsFolder _folder = new();
    private readonly LogCapture _logs = new();
    private readonly ILoggerFactory _loggers;

    public FlowCatalogTests()
    {
        _loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    public void Dispose()
    {
        _loggers.Dispose();
        _folder.Dispose();
    }

    internal static string Flow(string queue, string number = "7000", string name = "main") => $$"""
        flow: {{name}}
        numbers: ["{{number}}"]
        steps:
          hand-on:
            transfer: { queue: {{queue}} }
        """;

    /// <summary>Two problems: a step kind that does not exist, and a goto to a missing step.</summary>
    internal const string Broken = """
        flow: main
        numbers: ["7000"]
        steps:
          first:
            goto: nowhere
          second:
            plya: hello.wav
        """;

    private FlowCatalog Catalog(TimeProvider? time = null, int quietMilliseconds = 300, bool watch = true) => new(
        Options.Create(new FlowsOptions { Path = _folder.Path, ReloadQuietMilliseconds = quietMilliseconds }),
        _loggers.CreateLogger<FlowCatalog>(), time ?? TimeProvider.System, baseDirectory: null, watch);

    private static string QueueOf(IvrEngine.Scripts.FlowSet set) =>
        ((IvrEngine.Scripts.Model.TransferStep)set.ForDialedNumber("7000")!.Steps[0]).Target;

    [Fact]
    public void Start_loads_the_folder_as_version_1()
    {
        _folder.Write("main.yaml", Flow("v1"));
        using var catalog = Catalog();

        catalog.Start();

        QueueOf(catalog.Current).Should().Be("v1");
        catalog.Generation.Should().Be(1);
        catalog.Version.Set.Should().BeSameAs(catalog.Current);
        _logs.Messages(LogLevel.Information).Should().Contain(m => m.StartsWith("Flows loaded from ", StringComparison.Ordinal) && m.Contains("1 flows (main)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_broken_folder_at_start_fails_with_every_problem_and_logs_each()
    {
        var file = _folder.Write("main.yaml", Broken);
        using var catalog = Catalog();

        var failure = catalog.Invoking(c => c.Start()).Should().Throw<FlowsLoadException>().Which;

        failure.Diagnostics.Should().HaveCountGreaterThanOrEqualTo(2);
        failure.Diagnostics.Should().OnlyContain(d => d.Span.File.EndsWith("main.yaml", StringComparison.Ordinal) && d.Span.Line > 0);
        foreach (var d in failure.Diagnostics)
        {
            failure.Message.Should().Contain(d.ToString());
            _logs.Messages(LogLevel.Error).Should().Contain(d.ToString());
        }

        _logs.Messages(LogLevel.Critical).Should().ContainSingle().Which.Should().Contain("the engine does not start");
        catalog.Invoking(c => c.Current).Should().Throw<InvalidOperationException>();
        File.Exists(file).Should().BeTrue();
    }

    [Fact]
    public void A_missing_folder_at_start_fails_with_a_plain_message()
    {
        using var catalog = new FlowCatalog(Options.Create(new FlowsOptions { Path = Path.Combine(_folder.Path, "nope") }),
            _loggers.CreateLogger<FlowCatalog>(), TimeProvider.System);

        catalog.Invoking(c => c.Start()).Should().Throw<FlowsLoadException>()
            .Which.Message.Should().Contain("the flows folder does not exist (set Flows:Path)");
    }

    [Fact]
    public void Changes_reload_once_after_the_folder_has_been_quiet()
    {
        var clock = new FakeTimeProvider();
        _folder.Write("main.yaml", Flow("v1"));
        using var catalog = Catalog(clock, quietMilliseconds: 300, watch: false);
        catalog.Start();
        var reloads = new List<FlowReload>();
        using var subscription = catalog.Reloads.Subscribe(reloads.Add);

        _folder.Write("main.yaml", Flow("v2"));
        catalog.NoteChange();
        clock.Advance(TimeSpan.FromMilliseconds(299));
        catalog.NoteChange(); // another write of the same save: the quiet period starts again
        clock.Advance(TimeSpan.FromMilliseconds(299));
        reloads.Should().BeEmpty();
        QueueOf(catalog.Current).Should().Be("v1");

        clock.Advance(TimeSpan.FromMilliseconds(1));

        reloads.Should().ContainSingle().Which.Should().Match<FlowReload>(r => r.Succeeded && r.Generation == 2 && r.Diagnostics.Count == 0);
        QueueOf(catalog.Current).Should().Be("v2");
        _logs.Messages(LogLevel.Information).Should().Contain("Flows reloaded: 1 flows (main)");
    }

    [Fact]
    public void A_broken_edit_is_refused_with_its_problems_and_the_last_good_set_keeps_serving()
    {
        _folder.Write("main.yaml", Flow("v1"));
        using var catalog = Catalog(watch: false);
        catalog.Start();
        var good = catalog.Current;

        _folder.Write("main.yaml", Broken);
        var refused = catalog.Reload();

        refused.Succeeded.Should().BeFalse();
        refused.Current.Should().BeSameAs(good);
        refused.Generation.Should().Be(1);
        refused.Diagnostics.Should().HaveCountGreaterThanOrEqualTo(2);
        catalog.Current.Should().BeSameAs(good);
        catalog.LastReload.Should().BeSameAs(refused);
        _logs.Messages(LogLevel.Error).Should().Contain(m => m.Contains("refused", StringComparison.Ordinal) && m.Contains("version 1 keeps serving", StringComparison.Ordinal));
        foreach (var d in refused.Diagnostics) _logs.Messages(LogLevel.Error).Should().Contain(d.ToString());

        _folder.Write("main.yaml", Flow("v3"));
        var fixedUp = catalog.Reload();

        fixedUp.Succeeded.Should().BeTrue();
        fixedUp.Generation.Should().Be(2);
        QueueOf(catalog.Current).Should().Be("v3");
    }

    [Fact]
    public async Task The_watcher_reloads_a_good_edit_and_refuses_a_broken_one_by_itself()
    {
        _folder.Write("main.yaml", Flow("v1"));
        using var catalog = Catalog(quietMilliseconds: 50);
        catalog.Start();

        var good = catalog.Reloads.FirstAsync(r => r.Succeeded && QueueOf(r.Current) == "v2").ToTask();
        _folder.Write("main.yaml", Flow("v2"));
        (await good.WaitAsync(Patience)).Generation.Should().BeGreaterThan(1);

        var refused = catalog.Reloads.FirstAsync(r => !r.Succeeded).ToTask();
        _folder.Write("other.yaml", Broken.Replace("flow: main", "flow: other", StringComparison.Ordinal));
        var outcome = await refused.WaitAsync(Patience);
        outcome.Diagnostics.Should().Contain(d => d.Span.File.EndsWith("other.yaml", StringComparison.Ordinal));
        QueueOf(catalog.Current).Should().Be("v2");
    }

    [Fact]
    public void Stop_stops_watching_and_the_set_stays()
    {
        _folder.Write("main.yaml", Flow("v1"));
        var catalog = Catalog();
        catalog.Start();
        var set = catalog.Current;

        catalog.Stop();
        catalog.Dispose();

        catalog.Current.Should().BeSameAs(set);
    }
}
