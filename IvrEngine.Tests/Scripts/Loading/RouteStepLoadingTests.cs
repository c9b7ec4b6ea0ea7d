using FluentAssertions;
using IvrEngine.Scripts.Model;
using Xunit;
using static IvrEngine.Tests.Scripts.Loading.FlowText;

namespace IvrEngine.Tests.Scripts.Loading;

/// <summary>Reading <c>route: true</c>.</summary>
public sealed class RouteStepLoadingTests : IDisposable
{
    private readonly FlowFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_route_step_goes_on_at_next_for_self_service()
    {
        const string yaml = """
            flow: bank
            steps:
              route:
                route: true
                next: menu
              agent:
                transfer: { queue: general }
              menu:
                play: tone_stream://%(200,0,800)
                next: agent
            """;

        var set = _files.FromText(("bank.yaml", yaml)).ShouldLoad();

        set.ByName("bank")!.Step("route").Should().BeOfType<RouteStep>().Which.Next.Should().Be("menu");
    }

    [Fact]
    public void A_route_step_takes_no_settings()
    {
        const string yaml = """
            flow: bank
            steps:
              route:
                route: { queue: vip }
              bye:
                hangup:
            """;

        _files.FromText(("bank.yaml", yaml)).ShouldReport(
            $"bank.yaml:{At(yaml, "{ queue")}: step 'route': 'route' takes no settings (the rules are in the engine's configuration): write 'route: true'");
    }
}
