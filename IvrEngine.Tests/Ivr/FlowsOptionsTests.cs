using IvrEngine.Ivr;

namespace IvrEngine.Tests.Ivr;

public sealed class FlowsOptionsTests
{
    [Fact]
    public void The_defaults_are_fine()
    {
        FlowsOptionsValidator.Check(new FlowsOptions()).Should().BeEmpty();
        new FlowsOptionsValidator().Validate(null, new FlowsOptions()).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void A_relative_path_is_taken_against_the_base_directory()
    {
        var baseDirectory = Path.Combine(Path.GetTempPath(), "engine");
        new FlowsOptions().FullPath(baseDirectory).Should().Be(Path.Combine(baseDirectory, "flows"));
        var absolute = Path.Combine(Path.GetTempPath(), "elsewhere", "flows");
        new FlowsOptions { Path = absolute }.FullPath(baseDirectory).Should().Be(absolute);
    }

    [Theory]
    [InlineData("queue {0}", "Flows:QueueExtension \"queue {0}\" must be one word without spaces, with {0} where the name goes (e.g. \"queue_{0}\").")]
    [InlineData("queue_general", "Flows:QueueExtension \"queue_general\" has no {0}: every transfer would reach the same extension (e.g. \"queue_{0}\").")]
    [InlineData("queue_{0}_{1}", "Flows:QueueExtension \"queue_{0}_{1}\" is not a valid pattern: only {0} may appear in braces (e.g. \"queue_{0}\").")]
    [InlineData("", "Flows:QueueExtension \"\" must be one word without spaces, with {0} where the name goes (e.g. \"queue_{0}\").")]
    public void A_queue_extension_must_be_a_pattern_of_one_word(string value, string message)
    {
        FlowsOptionsValidator.Check(new FlowsOptions { QueueExtension = value }).Should().Equal(message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var failures = FlowsOptionsValidator.Check(new FlowsOptions
        {
            Path = " ",
            FreeSwitchPromptPath = "/srv/my flows",
            AgentExtension = "agent",
            TransferContext = "",
            ReloadQuietMilliseconds = -1,
        });

        failures.Should().Equal(
            "Flows:Path is empty; give the folder of the flow files (e.g. \"flows\").",
            "Flows:FreeSwitchPromptPath \"/srv/my flows\" must be one word without spaces (FreeSWITCH takes it in a space-separated argument).",
            "Flows:AgentExtension \"agent\" has no {0}: every transfer would reach the same extension (e.g. \"agent_{0}\").",
            "Flows:TransferContext \"\" must be a dialplan context name, one word (e.g. \"default\").",
            "Flows:ReloadQuietMilliseconds is -1; give 0 to 60000 (300 is a good value).");
    }
}
