using IvrEngine.Scripts;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Tests.Scripts.Loading;

/// <summary>The language reference's example, completed into a flow that uses every step kind, loads into the model
/// the interpreter runs.</summary>
public sealed class ReadmeExampleTests : IDisposable
{
    internal const string Bank = """
        flow: bank                      # the flow's name: unique, used by subflow steps
        description: Demo Bank hotline
        numbers: ["5000", "+1 800 555-0100"]
        default: false
        prompts: prompts/bank
        language: en
        timezone: America/New_York
        start: welcome
        steps:
          welcome:
            play: [welcome.wav, "tone_stream://%(200,0,800)"]
            interruptible: true
            next: office

          office:
            hours:
              timezone: Europe/Berlin
              mon-fri: "08:00-18:00"
              sat: ["09:00-13:00", "14:00-16:00"]
              holidays: [2026-12-25, 2027-01-01]
            open: choose-language
            closed: closed-message
            holiday: holiday-message

          choose-language:
            language:
              prompt: choose-language.wav
              options: { "1": en, "2": es }
              timeout: 5s
              max_tries: 2
            next: identify

          identify:
            lookup: caller
            found: segment
            not_found: ask-account

          ask-account:
            collect:
              into: account
              prompt: enter-account.wav
              min: 6
              max: 16
              terminators: "#"
              first_digit_timeout: 5s
              inter_digit_timeout: 1500ms
              max_no_input: 3
              max_invalid: 2
              no_input_prompt: no-input.wav
              invalid_prompt: invalid-account.wav
              validate: { regex: '^\d+$', luhn: true, exists: true }
              confirm:
                before: you-entered.wav
                after: confirm-or-retry.wav
                confirm_key: "1"
                retry_key: "2"
              secret: false
            next: by-account
            on_failure: operator

          by-account:
            lookup: { by: account, value: 'Vars["account"]' }
            found: segment
            not_found: operator

          segment:
            set: { segment: retail, vip: '=Client.Code == "V"' }

          route:
            branch:
              - when: 'Client.Code == "V"'
                goto: vip
              - when: 'Client.Overdue > 0 && Client.Category != "problem"'
                goto: collections
            else: pin

          pin:
            subflow: verify-pin
            next: main

          main:
            menu:
              greeting: main-menu.wav
              short_greeting: main-short.wav
              options: { "1": balance, "2": again, "0": operator, "*": bye }
              invalid_prompt: invalid.wav
              timeout_prompt: no-input.wav
              timeout: 2m
              max_failures: 3
              max_timeouts: 4
            on_max_failures: operator
            on_max_timeouts: operator

          balance:
            play:
              - your-balance-is.wav
              - { say: Client.Balance, type: currency, method: pronounced }
              - silence_stream://500
            next: main

          again:
            goto: main

          vip:
            transfer: { queue: vip, priority: 10 }
          collections:
            transfer: { queue: collections, priority: '=Client.Overdue > 1000 ? 8 : 5' }
          operator:
            transfer: { extension: "1000" }

          closed-message:
            play: closed.wav
            next: bye
          holiday-message:
            play: holiday.wav
          bye:
            hangup: NORMAL_CLEARING
        """;

    internal const string VerifyPin = """
        flow: verify-pin
        steps:
          ask-pin:
            collect: { into: pin, prompt: enter-pin.wav, min: 4, max: 4, secret: true }
            on_failure: denied
          done:
            return: true
          denied:
            transfer: { agent: "1001@default" }
        """;

    private readonly FlowFiles _files = new();

    public ReadmeExampleTests()
    {
        _files.Prompts("prompts/bank", "welcome.wav", "choose-language.wav", "enter-account.wav", "no-input.wav",
            "you-entered.wav", "confirm-or-retry.wav", "main-menu.wav", "main-short.wav", "invalid.wav",
            "your-balance-is.wav", "closed.wav");
        _files.Prompts("prompts/bank/es", "invalid-account.wav", "holiday.wav", "welcome.wav");
    }

    public void Dispose() => _files.Dispose();

    private FlowSet LoadFolder()
    {
        _files.Write("bank.yaml", Bank);
        _files.Write("verify-pin.yml", VerifyPin);
        return _files.Load().ShouldLoad();
    }

    [Fact]
    public void The_folder_loads_both_flows_in_file_name_order()
    {
        var set = LoadFolder();
        set.Flows.Select(f => f.Name).Should().Equal("bank", "verify-pin");
        set.Default.Should().BeNull();
        set.ForDialedNumber("+18005550100")!.Name.Should().Be("bank");
        set.ForDialedNumber("5000")!.Name.Should().Be("bank");
        set.ForDialedNumber("5001").Should().BeNull();
        set.ByName("verify-pin")!.Start.Should().Be("ask-pin");
    }

    [Fact]
    public void Flow_fields_are_read()
    {
        var bank = LoadFolder().ByName("bank")!;
        bank.File.Should().Be(Path.Combine(_files.Folder, "bank.yaml"));
        bank.Span.Should().Be(new SourceSpan(bank.File, 1, 1));
        bank.Description.Should().Be("Demo Bank hotline");
        bank.Numbers.Should().Equal("5000", "+1 800 555-0100");
        bank.IsDefault.Should().BeFalse();
        bank.PromptsDirectory.Should().Be(Path.Combine(_files.Folder, "prompts", "bank"));
        bank.Language.Should().Be("en");
        bank.TimeZone.Should().Be("America/New_York");
        bank.Start.Should().Be("welcome");
        bank.Steps.Select(s => s.Id).Should().Equal(
            "welcome", "office", "choose-language", "identify", "ask-account", "by-account", "segment", "route", "pin",
            "main", "balance", "again", "vip", "collections", "operator", "closed-message", "holiday-message", "bye");
        bank.Step("office")!.Span.Should().Be(new SourceSpan(bank.File, 15, 3));
    }

    [Fact]
    public void Play_steps_hold_files_streams_and_says_and_go_on_to_the_following_step_when_next_is_not_written()
    {
        var bank = LoadFolder().ByName("bank")!;
        var welcome = bank.Step("welcome").Should().BeOfType<PlayStep>().Subject;
        welcome.Interruptible.Should().BeTrue();
        welcome.Next.Should().Be("office");
        welcome.Prompts.Should().HaveCount(2);
        welcome.Prompts[0].Should().BeOfType<FilePrompt>().Which.Path.Should().Be("welcome.wav");
        welcome.Prompts[0].Span.Should().Be(new SourceSpan(bank.File, 11, 12));
        welcome.Prompts[1].Should().BeOfType<StreamPrompt>().Which.Uri.Should().Be("tone_stream://%(200,0,800)");

        var balance = bank.Step("balance").Should().BeOfType<PlayStep>().Subject;
        balance.Interruptible.Should().BeFalse();
        balance.Prompts[1].Should().BeOfType<SayPrompt>().Which.Should().Be(
            new SayPrompt("Client.Balance", "currency", "pronounced") { Span = new SourceSpan(bank.File, 97, 9) });
        balance.Prompts[2].Should().BeOfType<StreamPrompt>().Which.Uri.Should().Be("silence_stream://500");

        bank.Step("holiday-message")!.Next.Should().Be("bye", "the step written after it");
    }

    [Fact]
    public void Hours_step()
    {
        var bank = LoadFolder().ByName("bank")!;
        var office = bank.Step("office").Should().BeOfType<HoursStep>().Subject;
        office.TimeZone.Should().Be("Europe/Berlin");
        office.TimeZoneSpan.Should().Be(new SourceSpan(bank.File, 17, 17));
        office.Week.Should().HaveCount(3);
        office.Week[0].Days.Should().BeEquivalentTo([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday]);
        (office.Week[0].From, office.Week[0].To).Should().Be((new TimeOnly(8, 0), new TimeOnly(18, 0)));
        office.Week[1].Days.Should().BeEquivalentTo([DayOfWeek.Saturday]);
        (office.Week[2].From, office.Week[2].To).Should().Be((new TimeOnly(14, 0), new TimeOnly(16, 0)));
        office.Holidays.Should().Equal(new DateOnly(2026, 12, 25), new DateOnly(2027, 1, 1));
        (office.Open, office.Closed, office.Holiday).Should().Be(("choose-language", "closed-message", "holiday-message"));
        office.Next.Should().BeNull();
    }

    [Fact]
    public void Language_and_lookup_steps()
    {
        var bank = LoadFolder().ByName("bank")!;
        var language = bank.Step("choose-language").Should().BeOfType<LanguageStep>().Subject;
        language.Prompt.Should().ContainSingle().Which.Should().Be(new FilePrompt("choose-language.wav") { Span = new SourceSpan(bank.File, 27, 15) });
        language.Options.Select(o => (o.Key, o.Language)).Should().Equal(('1', "en"), ('2', "es"));
        language.Timeout.Should().Be(TimeSpan.FromSeconds(5));
        language.MaxTries.Should().Be(2);
        language.Next.Should().Be("identify");

        var identify = bank.Step("identify").Should().BeOfType<LookupStep>().Subject;
        (identify.By, identify.Value, identify.Found, identify.NotFound).Should().Be((LookupBy.Caller, (string?)null, "segment", "ask-account"));
        var byAccount = bank.Step("by-account").Should().BeOfType<LookupStep>().Subject;
        (byAccount.By, byAccount.Value, byAccount.Found, byAccount.NotFound).Should().Be((LookupBy.Account, "Vars[\"account\"]", "segment", "operator"));
    }

    [Fact]
    public void Collect_step()
    {
        var bank = LoadFolder().ByName("bank")!;
        var collect = bank.Step("ask-account").Should().BeOfType<CollectStep>().Subject;
        collect.Into.Should().Be("account");
        collect.Prompt.Should().ContainSingle().Which.Should().BeOfType<FilePrompt>().Which.Path.Should().Be("enter-account.wav");
        (collect.MinLength, collect.MaxLength, collect.Terminators).Should().Be((6, 16, "#"));
        collect.FirstDigitTimeout.Should().Be(TimeSpan.FromSeconds(5));
        collect.InterDigitTimeout.Should().Be(TimeSpan.FromMilliseconds(1500));
        (collect.MaxNoInput, collect.MaxInvalid).Should().Be((3, 2));
        collect.NoInputPrompt.Should().ContainSingle().Which.Should().BeOfType<FilePrompt>().Which.Path.Should().Be("no-input.wav");
        collect.InvalidPrompt.Should().ContainSingle().Which.Should().BeOfType<FilePrompt>().Which.Path.Should().Be("invalid-account.wav");
        collect.Validation.Should().Be(new DigitValidation { Regex = @"^\d+$", Luhn = true, ExistsInStore = true, RegexSpan = new SourceSpan(bank.File, 51, 26) });
        collect.Confirm!.Before.Should().ContainSingle().Which.Should().BeOfType<FilePrompt>().Which.Path.Should().Be("you-entered.wav");
        collect.Confirm.After.Should().ContainSingle().Which.Should().BeOfType<FilePrompt>().Which.Path.Should().Be("confirm-or-retry.wav");
        (collect.Confirm.ConfirmKey, collect.Confirm.RetryKey).Should().Be(('1', '2'));
        collect.Secret.Should().BeFalse();
        (collect.Next, collect.OnFailure).Should().Be(("by-account", "operator"));

        var pin = LoadFolder().ByName("verify-pin")!.Step("ask-pin").Should().BeOfType<CollectStep>().Subject;
        (pin.Into, pin.MinLength, pin.MaxLength, pin.Secret, pin.Terminators).Should().Be(("pin", 4, 4, true, "#"));
        pin.Confirm.Should().BeNull();
        pin.Validation.Should().Be(new DigitValidation());
        pin.Next.Should().Be("done");
    }

    [Fact]
    public void Set_and_branch_steps()
    {
        var bank = LoadFolder().ByName("bank")!;
        var set = bank.Step("segment").Should().BeOfType<SetStep>().Subject;
        set.Assignments.Should().Equal(
            new Assignment("segment", "retail", false, new SourceSpan(bank.File, 67, 21)),
            new Assignment("vip", "Client.Code == \"V\"", true, new SourceSpan(bank.File, 67, 34)));
        set.Next.Should().Be("route");

        var branch = bank.Step("route").Should().BeOfType<BranchStep>().Subject;
        branch.Cases.Should().Equal(
            new BranchCase("Client.Code == \"V\"", "vip", new SourceSpan(bank.File, 71, 9)),
            new BranchCase("Client.Overdue > 0 && Client.Category != \"problem\"", "collections", new SourceSpan(bank.File, 73, 9)));
        branch.Else.Should().Be("pin");
    }

    [Fact]
    public void Menu_step()
    {
        var bank = LoadFolder().ByName("bank")!;
        var menu = bank.Step("main").Should().BeOfType<MenuStep>().Subject;
        menu.Greeting.Should().ContainSingle().Which.Should().BeOfType<FilePrompt>().Which.Path.Should().Be("main-menu.wav");
        menu.ShortGreeting.Should().ContainSingle().Which.Should().BeOfType<FilePrompt>().Which.Path.Should().Be("main-short.wav");
        menu.Options.Should().Equal(
            new MenuOption('1', "balance", new SourceSpan(bank.File, 85, 18)),
            new MenuOption('2', "again", new SourceSpan(bank.File, 85, 32)),
            new MenuOption('0', "operator", new SourceSpan(bank.File, 85, 44)),
            new MenuOption('*', "bye", new SourceSpan(bank.File, 85, 59)));
        menu.InvalidPrompt.Should().ContainSingle();
        menu.TimeoutPrompt.Should().ContainSingle();
        menu.Timeout.Should().Be(TimeSpan.FromMinutes(2));
        (menu.MaxFailures, menu.MaxTimeouts).Should().Be((3, 4));
        (menu.OnMaxFailures, menu.OnMaxTimeouts).Should().Be(("operator", "operator"));
        menu.Next.Should().BeNull();
    }

    [Fact]
    public void Transfer_hangup_goto_subflow_and_return_steps()
    {
        var set = LoadFolder();
        var bank = set.ByName("bank")!;
        bank.Step("vip").Should().BeOfType<TransferStep>().Which.Should().BeEquivalentTo(new { Kind = TransferKind.Queue, Target = "vip", Priority = "10" });
        bank.Step("collections").Should().BeOfType<TransferStep>().Which.Priority.Should().Be("=Client.Overdue > 1000 ? 8 : 5");
        bank.Step("operator").Should().BeOfType<TransferStep>().Which.Should().BeEquivalentTo(new { Kind = TransferKind.Extension, Target = "1000", Priority = (string?)null });
        bank.Step("bye").Should().BeOfType<HangupStep>().Which.Cause.Should().Be("NORMAL_CLEARING");
        bank.Step("again").Should().BeOfType<GotoStep>().Which.Next.Should().Be("main");
        bank.Step("pin").Should().BeOfType<SubflowStep>().Which.Should().BeEquivalentTo(new { Flow = "verify-pin", Next = "main" });

        var verify = set.ByName("verify-pin")!;
        verify.Step("done").Should().BeOfType<ReturnStep>();
        verify.Step("denied").Should().BeOfType<TransferStep>().Which.Should().BeEquivalentTo(new { Kind = TransferKind.Agent, Target = "1001@default" });
        verify.PromptsDirectory.Should().BeNull();
        verify.Language.Should().Be("en");
        verify.TimeZone.Should().BeNull();
    }

    [Fact]
    public void FromText_gives_the_same_set_as_loading_the_folder()
    {
        var fromText = _files.FromText(("bank.yaml", Bank), ("verify-pin.yml", VerifyPin)).ShouldLoad();
        var fromFolder = LoadFolder();
        fromText.Flows.Select(f => f.Steps.Count).Should().Equal(fromFolder.Flows.Select(f => f.Steps.Count));
        fromText.ByName("bank")!.File.Should().Be("bank.yaml");
        fromText.ByName("bank")!.PromptsDirectory.Should().Be(Path.Combine(_files.Folder, "prompts", "bank"));
    }
}
