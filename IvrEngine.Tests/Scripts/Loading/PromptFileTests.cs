using IvrEngine.Scripts;
using static IvrEngine.Tests.Scripts.Loading.FlowText;

namespace IvrEngine.Tests.Scripts.Loading;

/// <summary>Prompt files must exist in the flow's prompts folder or one of its language subfolders.</summary>
public sealed class PromptFileTests : IDisposable
{
    private readonly FlowFiles _files = new();

    public void Dispose() => _files.Dispose();

    private const string Bank = """
        flow: bank
        prompts: prompts/bank
        steps:
          welcome:
            play:
              - welcom.wav
              - menus/main.wav
              - only-spanish.wav
              - tone_stream://%(200,0,800)
              - silence_stream://500
              - { say: Client.Balance, type: currency }
          bye:
            hangup:
        """;

    [Fact]
    public void Missing_prompt_names_the_folders_looked_in_and_the_closest_file()
    {
        _files.Prompts("prompts/bank", "welcome.wav", "menus/main.wav");
        _files.Prompts("prompts/bank/es", "only-spanish.wav");
        _files.Prompts("prompts/bank/ru", "other.wav");
        _files.FromText(("bank.yaml", Bank)).ShouldReport(
            $"bank.yaml:{At(Bank, "welcom.wav")}: prompt 'welcom.wav' not found in prompts/bank (nor prompts/bank/es, prompts/bank/ru); did you mean 'welcome.wav'?");
    }

    [Fact]
    public void Prompts_are_found_in_the_folder_or_any_language_subfolder()
    {
        _files.Prompts("prompts/bank", "welcom.wav");
        _files.Prompts("prompts/bank/ru", "menus/main.wav");
        _files.Prompts("prompts/bank/es", "only-spanish.wav");
        _files.FromText(("bank.yaml", Bank)).ShouldLoad();
    }

    [Fact]
    public void Missing_prompt_without_language_folders_and_with_nothing_close()
    {
        _files.Prompts("prompts/bank", "menus/main.wav", "only-spanish.wav");
        _files.FromText(("bank.yaml", Bank)).ShouldReport($"bank.yaml:{At(Bank, "welcom.wav")}: prompt 'welcom.wav' not found in prompts/bank");
    }

    [Fact]
    public void Prompts_folder_that_does_not_exist_is_one_problem()
    {
        _files.FromText(("bank.yaml", Bank)).ShouldReport($"bank.yaml:{At(Bank, "prompts/bank")}: prompts folder 'prompts/bank' does not exist");
    }

    [Fact]
    public void Prompt_files_are_not_checked_when_the_options_say_so()
    {
        FlowSet.FromText(new Dictionary<string, string> { ["bank.yaml"] = Bank }, _files.Folder, new FlowLoadOptions { CheckPromptFiles = false })
            .ShouldLoad().Flows[0].PromptsDirectory.Should().Be(Path.Combine(_files.Folder, "prompts", "bank"));
    }

    [Fact]
    public void Prompt_outside_the_prompts_folder()
    {
        _files.Prompts("prompts/bank", "welcome.wav");
        _files.Write("secret.wav", string.Empty);
        const string yaml = """
            flow: bank
            prompts: prompts/bank
            steps:
              welcome:
                play: [../../secret.wav, /etc/passwd]
              bye:
                hangup:
            """;
        _files.FromText(("bank.yaml", yaml)).ShouldReport(
            $"bank.yaml:{At(yaml, "../")}: prompt '../../secret.wav' is outside the prompts folder: write it relative to prompts/bank",
            $"bank.yaml:{At(yaml, "/etc")}: prompt '/etc/passwd' is outside the prompts folder: write it relative to prompts/bank");
    }

    [Fact]
    public void Without_a_prompts_folder_file_prompts_are_passed_as_written_and_not_checked()
    {
        var set = _files.FromText(("bank.yaml", """
            flow: bank
            steps:
              welcome:
                play: ivr/ivr-welcome.wav
              bye:
                hangup:
            """)).ShouldLoad();
        set.Flows[0].PromptsDirectory.Should().BeNull();
    }

    [Fact]
    public void Prompts_of_every_kind_of_step_are_checked()
    {
        _files.Prompts("p", "ok.wav");
        const string yaml = """
            flow: bank
            prompts: p
            steps:
              main:
                menu: { greeting: g1.wav, short_greeting: g2.wav, invalid_prompt: g3.wav, timeout_prompt: g4.wav, options: { "1": ask } }
                on_max_failures: ask
                on_max_timeouts: ask
              ask:
                collect:
                  into: a
                  prompt: c1.wav
                  no_input_prompt: c2.wav
                  invalid_prompt: c3.wav
                  confirm: { before: c4.wav, after: c5.wav }
                on_failure: lang
              lang:
                language: { prompt: l1.wav, options: { "1": en } }
              bye:
                hangup:
            """;
        var problems = _files.FromText(("bank.yaml", yaml)).Problems();
        problems.Should().HaveCount(10);
        problems.Should().OnlyContain(p => p.Contains("not found in p", StringComparison.Ordinal));
        problems.Select(p => p.Split('\'')[1]).Should().Equal("g1.wav", "g2.wav", "g3.wav", "g4.wav", "c1.wav", "c2.wav", "c3.wav", "c4.wav", "c5.wav", "l1.wav");
    }

    [Fact]
    public void Loading_from_disk_resolves_prompts_next_to_the_flow_file()
    {
        _files.Prompts("flows/prompts", "hello.wav");
        _files.Write("flows/bank.yaml", """
            flow: bank
            prompts: prompts
            steps:
              hello:
                play: hello.wav
              bye:
                hangup:
            """);
        _files.Load("flows").ShouldLoad().Flows[0].PromptsDirectory.Should().Be(Path.Combine(_files.Folder, "flows", "prompts"));
    }
}
