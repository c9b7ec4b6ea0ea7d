using IvrEngine.Scripts;
using static IvrEngine.Tests.Scripts.Loading.FlowText;

namespace IvrEngine.Tests.Scripts.Loading;

/// <summary>Each validation message, with where it points (file:line:column) and its exact text.</summary>
public sealed class ValidationMessageTests : IDisposable
{
    private readonly FlowFiles _files = new();

    public void Dispose() => _files.Dispose();

    private FlowLoadResult Load(string yaml) => _files.FromText(("bank.yaml", yaml));

    private void ShouldReport(string yaml, params string[] problems) => Load(yaml).ShouldReport(problems);

    [Fact]
    public void A_minimal_flow_loads()
    {
        var set = Load("""
            flow: bank
            steps:
              welcome:
                play: welcome.wav
              bye:
                hangup:
            """).ShouldLoad();
        set.Flows.Should().ContainSingle().Which.Start.Should().Be("welcome");
        set.Flows[0].Step("welcome")!.Next.Should().Be("bye");
    }

    [Fact]
    public void Yaml_syntax_error_with_its_position()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome:
                play: welcome.wav
               next: bye
            """;
        var problem = Load(yaml).Diagnostics.Should().ContainSingle().Subject;
        problem.ToString().Should().StartWith($"bank.yaml:{At(yaml, "next")}: YAML syntax: ");
    }

    [Fact]
    public void Unclosed_quote_is_a_syntax_error()
    {
        const string yaml = "flow: bank\nsteps:\n  welcome:\n    play: \"welcome.wav\n";
        Load(yaml).Diagnostics.Should().ContainSingle().Which.Message.Should().StartWith("YAML syntax: ");
    }

    [Fact]
    public void Tab_indentation_is_a_syntax_error()
    {
        Load("flow: bank\nsteps:\n\twelcome:\n\t\tplay: a.wav\n").Diagnostics.Should().ContainSingle()
            .Which.Message.Should().StartWith("YAML syntax: ");
    }

    [Fact]
    public void Unknown_flow_field_with_the_closest_name_and_no_missing_steps_message()
    {
        const string yaml = """
            flow: bank
            stpes:
              welcome:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "stpes")}: flow 'bank': unknown field 'stpes' (did you mean 'steps'?)");
    }

    [Fact]
    public void Unknown_field_in_a_kind_with_the_closest_name()
    {
        const string yaml = """
            flow: bank
            steps:
              main:
                menu:
                  greeting: main.wav
                  optons: { "1": bye }
                on_max_failures: bye
                on_max_timeouts: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "optons")}: step 'main': unknown field 'optons' (did you mean 'options'?)");
    }

    [Fact]
    public void Misspelt_kind_is_an_unknown_field_and_not_also_a_step_without_kind()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome:
                paly: welcome.wav
                next: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "paly")}: step 'welcome': unknown field 'paly' (did you mean 'play'?)");
    }

    [Fact]
    public void Unknown_field_far_from_any_name_has_no_suggestion()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome:
                hangup:
                colour: blue
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "colour")}: step 'welcome': unknown field 'colour'");
    }

    [Fact]
    public void Step_with_no_kind()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome:
                next: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "welcome")}: step 'welcome' has no kind: write one of play, menu, collect, lookup, set, branch, hours, language, transfer, route, hangup, goto, subflow, return");
    }

    [Fact]
    public void Step_with_two_kinds()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome:
                play: welcome.wav
                hangup: NORMAL_CLEARING
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "welcome")}: step 'welcome' has no 'next' and no step follows it",
            $"bank.yaml:{At(yaml, "hangup")}: step 'welcome' has two kinds, 'play' and 'hangup': a step does one thing (write two steps)");
    }

    [Fact]
    public void Step_that_is_not_a_mapping()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome: welcome.wav
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "welcome.wav")}: step 'welcome' must be a mapping with one kind (play, menu, collect, lookup, set, branch, hours, language, transfer, route, hangup, goto, subflow, return), e.g. 'play: welcome.wav'");
    }

    [Fact]
    public void Duplicate_step_id()
    {
        const string yaml = """
            flow: bank
            steps:
              bye:
                hangup:
              bye:
                hangup: USER_BUSY
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "bye", 2)}: duplicate step id 'bye' (first written at line 3)");
    }

    [Fact]
    public void Field_written_twice()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome:
                play: a.wav
                next: bye
                next: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "next", 2)}: step 'welcome': field 'next' is written twice");
    }

    [Fact]
    public void Missing_required_fields_of_a_kind_and_of_its_step()
    {
        const string yaml = """
            flow: bank
            steps:
              main:
                menu:
                  greeting: main.wav
                on_max_timeouts: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "main:")}: step 'main': a menu step needs 'on_max_failures' (where to go after too many wrong keys)",
            $"bank.yaml:{At(yaml, "menu")}: step 'main': menu needs 'options' (keys and the steps they go to)");
    }

    [Fact]
    public void Step_field_that_does_not_apply_to_the_kind()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome:
                hangup:
                next: welcome
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "next")}: step 'welcome': 'next' does not apply to a hangup step (the flow ends there)");
    }

    [Fact]
    public void Option_going_to_a_missing_step()
    {
        const string yaml = """
            flow: bank
            steps:
              main:
                menu:
                  greeting: main.wav
                  options: { "1": balance, "2": balanse }
                on_max_failures: main
                on_max_timeouts: main
              balance:
                play: balance.wav
                next: main
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "balanse")}: step 'main' option \"2\" goes to 'balanse', which does not exist (did you mean 'balance'?)");
    }

    [Fact]
    public void Every_kind_of_exit_to_a_missing_step_names_its_field()
    {
        const string yaml = """
            flow: bank
            steps:
              identify:
                lookup: caller
                found: x1
                not_found: x2
              ask:
                collect: { into: account, prompt: a.wav }
                next: x3
                on_failure: x4
              route:
                branch:
                  - when: Client.Found
                    goto: x5
                else: x6
              office:
                hours: { mon: "08:00-18:00" }
                open: x7
                closed: x8
                holiday: x9
              again:
                goto: x10
            """;
        var problems = Load(yaml).Problems();
        problems.Should().Contain([
            $"bank.yaml:{At(yaml, "x1")}: step 'identify' found goes to 'x1', which does not exist",
            $"bank.yaml:{At(yaml, "x2")}: step 'identify' not_found goes to 'x2', which does not exist",
            $"bank.yaml:{At(yaml, "x3")}: step 'ask' next goes to 'x3', which does not exist",
            $"bank.yaml:{At(yaml, "x4")}: step 'ask' on_failure goes to 'x4', which does not exist",
            $"bank.yaml:{At(yaml, "x5")}: step 'route' case 1 goes to 'x5', which does not exist",
            $"bank.yaml:{At(yaml, "x6")}: step 'route' else goes to 'x6', which does not exist",
            $"bank.yaml:{At(yaml, "x7")}: step 'office' open goes to 'x7', which does not exist",
            $"bank.yaml:{At(yaml, "x8")}: step 'office' closed goes to 'x8', which does not exist",
            $"bank.yaml:{At(yaml, "x9")}: step 'office' holiday goes to 'x9', which does not exist",
            $"bank.yaml:{At(yaml, "x10")}: step 'again' goes to 'x10', which does not exist",
        ]);
    }

    [Fact]
    public void Start_that_does_not_exist()
    {
        const string yaml = """
            flow: bank
            start: welcom
            steps:
              welcome:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "welcom")}: start 'welcom' does not exist (did you mean 'welcome'?)");
    }

    [Fact]
    public void Unreachable_step()
    {
        const string yaml = """
            flow: bank
            start: welcome
            steps:
              welcome:
                play: welcome.wav
                next: bye
              extra:
                play: extra.wav
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "extra:")}: step 'extra' is never reached from 'welcome'");
    }

    [Fact]
    public void Loop_that_never_waits_for_input()
    {
        const string yaml = """
            flow: bank
            steps:
              a:
                play: a.wav
              b:
                set: { x: "1" }
              c:
                goto: a
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "a:")}: steps 'a' -> 'b' -> 'c' -> 'a' loop without waiting for input");
    }

    [Fact]
    public void Step_going_back_to_itself()
    {
        const string yaml = """
            flow: bank
            steps:
              again:
                goto: again
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "again:")}: step 'again' goes back to itself without waiting for input");
    }

    [Fact]
    public void Loop_through_branch_exits_is_found_and_the_shortest_cycle_is_named()
    {
        const string yaml = """
            flow: bank
            steps:
              route:
                branch:
                  - when: Client.Found
                    goto: known
                else: unknown
              known:
                lookup: caller
                found: route
                not_found: bye
              unknown:
                play: who.wav
                next: known
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "route:")}: steps 'route' -> 'known' -> 'route' loop without waiting for input");
    }

    [Fact]
    public void Loops_through_a_step_that_waits_for_input_are_fine()
    {
        Load("""
            flow: bank
            steps:
              main:
                menu:
                  greeting: main.wav
                  options: { "1": balance, "2": ask, "3": lang }
                on_max_failures: bye
                on_max_timeouts: main
              balance:
                play: balance.wav
                next: main
              ask:
                collect: { into: account, prompt: a.wav }
                next: main
                on_failure: main
              lang:
                language: { prompt: l.wav, options: { "1": en } }
                next: main
              bye:
                hangup:
            """).ShouldLoad();
    }

    [Fact]
    public void Last_step_that_goes_on_with_no_next()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome:
                play: welcome.wav
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "welcome:")}: step 'welcome' has no 'next' and no step follows it");
    }

    [Fact]
    public void Regex_that_does_not_compile()
    {
        const string yaml = """
            flow: bank
            steps:
              ask:
                collect:
                  into: account
                  prompt: a.wav
                  validate: { regex: '([' }
                on_failure: bye
              bye:
                hangup:
            """;
        var problem = Load(yaml).Problems().Should().ContainSingle().Subject;
        problem.Should().StartWith($"bank.yaml:{At(yaml, "'(['")}: step 'ask': regex '([' does not compile: ");
        problem.Should().EndWith("Unterminated [] set.");
    }

    [Fact]
    public void Unknown_time_zone_of_the_flow()
    {
        const string yaml = """
            flow: bank
            timezone: Mars/Base
            steps:
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "Mars")}: time zone 'Mars/Base' is unknown");
    }

    [Fact]
    public void Misspelt_time_zone_of_an_hours_step_with_the_closest_zone()
    {
        const string yaml = """
            flow: bank
            steps:
              office:
                hours: { timezone: Europe/Berln, mon: "08:00-18:00" }
                open: bye
                closed: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "Europe")}: time zone 'Europe/Berln' is unknown (did you mean 'Europe/Berlin'?)");
    }

    [Fact]
    public void Time_zone_that_is_a_path_is_unknown()
    {
        const string yaml = """
            flow: bank
            timezone: ../../etc/passwd
            steps:
              bye:
                hangup:
            """;
        Load(yaml).Problems().Should().ContainSingle().Which.Should().StartWith($"bank.yaml:2:11: time zone '../../etc/passwd' is unknown");
    }

    [Fact]
    public void Condition_that_does_not_compile_points_into_the_expression()
    {
        const string yaml = """
            flow: bank
            steps:
              route:
                branch:
                  - when: 'Client.Code == "V" || Client.Categry == "VIP"'
                    goto: bye
                else: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "Categry")}: step 'route' condition does not compile: No property or field 'Categry' exists in type 'FlowClientView'");
    }

    [Fact]
    public void Expression_position_steps_over_escapes_in_double_quotes()
    {
        const string yaml = """
            flow: bank
            steps:
              route:
                branch:
                  - when: "Vars[\"a\"] == \"x\" && Now.Hourr > 3"
                    goto: bye
                else: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "Hourr")}: step 'route' condition does not compile: No property or field 'Hourr' exists in type 'DateTime'");
    }

    [Fact]
    public void Expression_position_in_a_block_scalar_is_on_its_own_line()
    {
        const string yaml = """
            flow: bank
            steps:
              route:
                branch:
                  - when: >
                      Client.Found &&
                      Client.Overdu > 0
                    goto: bye
                else: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "Overdu")}: step 'route' condition does not compile: No property or field 'Overdu' exists in type 'FlowClientView'");
    }

    [Fact]
    public void Condition_that_is_not_true_or_false()
    {
        const string yaml = """
            flow: bank
            steps:
              route:
                branch:
                  - when: Client.Balance
                    goto: bye
                else: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "Client")}: step 'route' condition does not compile: Expression of type 'Boolean' expected");
    }

    [Fact]
    public void Set_expression_position_counts_the_leading_equals_sign()
    {
        const string yaml = """
            flow: bank
            steps:
              segment:
                set: { vip: '=Client.Cod == "V"' }
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "Cod ")}: step 'segment' value of 'vip' does not compile: No property or field 'Cod' exists in type 'FlowClientView'");
    }

    [Fact]
    public void Say_lookup_and_transfer_expressions_are_checked()
    {
        const string yaml = """
            flow: bank
            steps:
              by-account:
                lookup: { by: account, value: 'Vars["account"].Lenght' }
                found: balance
                not_found: q
              balance:
                play: { say: Client.Balanse, type: currency }
              q:
                transfer: { queue: '=Client.Categori', priority: '=1 +' }
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "Lenght")}: step 'by-account' lookup value does not compile: No property or field 'Lenght' exists in type 'String'",
            $"bank.yaml:{At(yaml, "Balanse")}: step 'balance' say does not compile: No property or field 'Balanse' exists in type 'FlowClientView'",
            $"bank.yaml:{At(yaml, "Categori")}: step 'q' transfer queue does not compile: No property or field 'Categori' exists in type 'FlowClientView'",
            $"bank.yaml:{At(yaml, "' }", 2)}: step 'q' priority does not compile: Expression expected");
    }

    [Fact]
    public void Expressions_cannot_reach_outside_types()
    {
        const string yaml = """
            flow: bank
            steps:
              route:
                branch:
                  - when: 'System.IO.File.Exists("/etc/passwd")'
                    goto: bye
                else: bye
              bye:
                hangup:
            """;
        Load(yaml).Problems().Should().ContainSingle().Which.Should().Contain("step 'route' condition does not compile: ");
    }

    [Theory]
    [InlineData("5x", "'timeout' '5x' is not a duration (write 5s, 1500ms, 2m or a number of seconds)")]
    [InlineData("-5s", "'timeout' '-5s' is not a duration (write 5s, 1500ms, 2m or a number of seconds)")]
    [InlineData("0s", "'timeout' '0s' must be more than 0 and at most an hour")]
    [InlineData("61m", "'timeout' '61m' must be more than 0 and at most an hour")]
    [InlineData("99999999999", "'timeout' '99999999999' must be more than 0 and at most an hour")]
    public void Bad_durations(string duration, string message)
    {
        var yaml = $$"""
            flow: bank
            steps:
              lang:
                language: { prompt: l.wav, options: { "1": en }, timeout: {{duration}} }
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, duration)}: step 'lang': {message}");
    }

    [Theory]
    [InlineData("7", 7_000)]
    [InlineData("2.5", 2_500)]
    [InlineData("1500ms", 1_500)]
    [InlineData("3s", 3_000)]
    [InlineData("2m", 120_000)]
    public void Durations(string duration, int milliseconds)
    {
        var set = Load($$"""
            flow: bank
            steps:
              lang:
                language: { prompt: l.wav, options: { "1": en }, timeout: {{duration}} }
              bye:
                hangup:
            """).ShouldLoad();
        set.Flows[0].Step("lang").Should().BeOfType<IvrEngine.Scripts.Model.LanguageStep>().Which.Timeout.Should().Be(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Fact]
    public void Bad_holiday_dates()
    {
        const string yaml = """
            flow: bank
            steps:
              office:
                hours:
                  mon: "08:00-18:00"
                  holidays: [2026-02-30, 25.12.2026, 2026-12-25]
                open: bye
                closed: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "2026-02-30")}: step 'office': holiday '2026-02-30' is not a date (write YYYY-MM-DD)",
            $"bank.yaml:{At(yaml, "25.12")}: step 'office': holiday '25.12.2026' is not a date (write YYYY-MM-DD)");
    }

    [Fact]
    public void Bad_hours_ranges_and_day_names()
    {
        const string yaml = """
            flow: bank
            steps:
              office:
                hours:
                  mon-fri: "8-18"
                  sat: "18:00-08:00"
                  sun: "09:00-25:00"
                  monday: "08:00-12:00"
                  mon,thurs: "08:00-12:00"
                  holidyas: [2026-12-25]
                open: bye
                closed: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "\"8-18\"")}: step 'office': hours '8-18' are not a range like 08:00-18:00",
            $"bank.yaml:{At(yaml, "\"18:00")}: step 'office': hours '18:00-08:00' end before they start (a range past midnight is two ranges on two days)",
            $"bank.yaml:{At(yaml, "\"09:00-25")}: step 'office': hours '09:00-25:00' are not a range like 08:00-18:00",
            $"bank.yaml:{At(yaml, "monday")}: step 'office': day 'monday' is unknown: write mon tue wed thu fri sat sun, a range (mon-fri) or a list (mon,wed) (did you mean 'mon'?)",
            $"bank.yaml:{At(yaml, "mon,thurs")}: step 'office': day 'thurs' is unknown: write mon tue wed thu fri sat sun, a range (mon-fri) or a list (mon,wed) (did you mean 'thu'?)",
            $"bank.yaml:{At(yaml, "holidyas")}: step 'office': unknown field 'holidyas' (did you mean 'holidays'?)");
    }

    [Fact]
    public void Day_lists_ranges_that_wrap_and_ranges_until_midnight()
    {
        var set = Load("""
            flow: bank
            steps:
              office:
                hours:
                  fri-mon: "20:00-24:00"
                  wed,tue: "08:00-12:00, 13:00-17:00"
                open: bye
                closed: bye
              bye:
                hangup:
            """).ShouldLoad();
        var week = set.Flows[0].Step("office").Should().BeOfType<IvrEngine.Scripts.Model.HoursStep>().Which.Week;
        week.Should().HaveCount(3);
        week[0].Days.Should().BeEquivalentTo([DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday, DayOfWeek.Monday]);
        week[0].To.Should().Be(TimeOnly.MaxValue);
        week[1].Days.Should().BeEquivalentTo([DayOfWeek.Tuesday, DayOfWeek.Wednesday]);
        (week[2].From, week[2].To).Should().Be((new TimeOnly(13, 0), new TimeOnly(17, 0)));
    }

    [Fact]
    public void Menu_keys_that_are_not_keypad_keys_and_keys_written_twice()
    {
        const string yaml = """
            flow: bank
            steps:
              main:
                menu:
                  greeting: main.wav
                  options: { "10": bye, A: bye, "1": bye, 1: bye }
                on_max_failures: bye
                on_max_timeouts: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "\"10\"")}: step 'main': menu key '10' is not one of 0-9, * or #",
            $"bank.yaml:{At(yaml, "A:")}: step 'main': menu key 'A' is not one of 0-9, * or #",
            $"bank.yaml:{At(yaml, "1:")}: step 'main': menu key \"1\" is written twice");
    }

    [Fact]
    public void Unquoted_hash_key_is_a_comment_and_reported_as_empty()
    {
        const string yaml = """
            flow: bank
            steps:
              ask:
                collect:
                  into: account
                  prompt: a.wav
                  terminators: #
                on_failure: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "terminators")}: step 'ask': 'terminators' is empty: write \"#\" in quotes (a # starts a comment in YAML), or \"\" for none");
    }

    [Fact]
    public void Min_more_than_max()
    {
        const string yaml = """
            flow: bank
            steps:
              ask:
                collect: { into: account, prompt: a.wav, min: 8, max: 6 }
                on_failure: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "8")}: step 'ask': min (8) is more than max (6)");
    }

    [Fact]
    public void Min_more_than_the_default_max()
    {
        const string yaml = """
            flow: bank
            steps:
              ask:
                collect: { into: account, prompt: a.wav, min: 21 }
                on_failure: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "21")}: step 'ask': min (21) is more than max (20)");
    }

    [Fact]
    public void Confirm_keys_must_differ_and_be_keys()
    {
        const string yaml = """
            flow: bank
            steps:
              ask:
                collect:
                  into: account
                  prompt: a.wav
                  confirm: { after: c.wav, confirm_key: "1", retry_key: "1" }
                on_failure: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "\"1\" }")}: step 'ask': confirm_key and retry_key are both \"1\"");
    }

    [Fact]
    public void Say_type_unknown_to_mod_say_and_unknown_method()
    {
        const string yaml = """
            flow: bank
            steps:
              balance:
                play:
                  - { say: Client.Balance, type: curency }
                  - { say: Client.Balance, type: number, method: spelled }
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "curency")}: step 'balance': say type 'curency' is unknown to mod_say (did you mean 'currency'?)",
            $"bank.yaml:{At(yaml, "spelled")}: step 'balance': say method 'spelled' is not pronounced, iterated or counted");
    }

    [Fact]
    public void Say_needs_its_value_and_type()
    {
        const string yaml = """
            flow: bank
            steps:
              balance:
                play: { type: number }
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "{ type")}: step 'balance': a say prompt needs 'say' (an expression, e.g. Client.Balance)");
    }

    [Fact]
    public void Unknown_hangup_cause()
    {
        const string yaml = """
            flow: bank
            steps:
              bye:
                hangup: NORMAL_CLEARNG
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "NORMAL")}: step 'bye': hangup cause 'NORMAL_CLEARNG' is unknown (did you mean 'NORMAL_CLEARING'?)");
    }

    [Fact]
    public void Bad_booleans_and_numbers()
    {
        const string yaml = """
            flow: bank
            default: yes please
            steps:
              welcome:
                play: w.wav
                interruptible: sometimes
              main:
                menu: { greeting: m.wav, options: { "1": bye }, max_failures: 0, max_timeouts: three }
                on_max_failures: bye
                on_max_timeouts: bye
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "yes")}: flow 'bank': 'default' must be true or false, not 'yes please'",
            $"bank.yaml:{At(yaml, "sometimes")}: step 'welcome': 'interruptible' must be true or false, not 'sometimes'",
            $"bank.yaml:{At(yaml, "0,")}: step 'main': 'max_failures' must be a whole number from 1 to 100, not '0'",
            $"bank.yaml:{At(yaml, "three")}: step 'main': 'max_timeouts' must be a whole number from 1 to 100, not 'three'");
    }

    [Fact]
    public void Bad_variable_names()
    {
        const string yaml = """
            flow: bank
            steps:
              ask:
                collect: { into: 1account, prompt: a.wav }
                on_failure: bye
              seg:
                set: { "my var": x }
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "1account")}: step 'ask': variable name '1account' must start with a letter and use only letters, digits, '_' and '-'",
            $"bank.yaml:{At(yaml, "\"my var\"")}: step 'seg': variable name 'my var' must start with a letter and use only letters, digits, '_' and '-'");
    }

    [Fact]
    public void Bad_step_id_and_flow_name()
    {
        const string yaml = """
            flow: my bank
            steps:
              good bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "my bank")}: flow name 'my bank' may use only letters, digits, '_' and '-'",
            $"bank.yaml:{At(yaml, "good bye")}: step id 'good bye' may use only letters, digits, '_' and '-'");
    }

    [Fact]
    public void Empty_file()
    {
        ShouldReport("# nothing yet\n", "bank.yaml:1:1: the file is empty: a flow file starts with 'flow: <name>' and has 'steps:'");
    }

    [Fact]
    public void File_that_is_not_a_mapping()
    {
        ShouldReport("- flow: bank\n", "bank.yaml:1:1: a flow file is a mapping of fields (flow:, numbers:, steps:, ...), not a list");
    }

    [Fact]
    public void Flow_without_name_and_without_steps()
    {
        ShouldReport("description: nothing\n",
            "bank.yaml:1:1: the flow has no name: write 'flow: <name>' (the name subflow steps call it by)",
            "bank.yaml:1:1: the flow has no steps: write 'steps:' with at least one step");
    }

    [Fact]
    public void Steps_written_as_a_list()
    {
        const string yaml = """
            flow: bank
            steps:
              - hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "- hangup")}: flow 'bank': 'steps' must be a mapping of step ids to steps, not a list");
    }

    [Fact]
    public void Empty_steps()
    {
        ShouldReport("flow: bank\nsteps:\n", "bank.yaml:2:1: flow 'bank' has no steps: write at least one under 'steps:'");
    }

    [Fact]
    public void Bad_numbers_and_language()
    {
        const string yaml = """
            flow: bank
            numbers: ["5000", "sales", "+1 (800) 555-0100", [1]]
            language: english
            steps:
              lang:
                language: { prompt: l.wav, options: { "1": en, "2": espanol } }
              bye:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "\"sales\"")}: flow 'bank': number 'sales' is not a phone number (digits, optionally a leading +)",
            $"bank.yaml:{At(yaml, "[1]")}: flow 'bank': each dialed number is a single value, like \"5000\" or \"+18005550100\"",
            $"bank.yaml:{At(yaml, "english")}: flow 'bank': language 'english' is not a language code (en, es, pt-BR, ...)",
            $"bank.yaml:{At(yaml, "espanol")}: step 'lang': language 'espanol' is not a language code (en, es, pt-BR, ...)");
    }

    [Fact]
    public void Transfer_needs_exactly_one_target_and_priority_is_for_queues()
    {
        const string yaml = """
            flow: bank
            steps:
              a:
                transfer: { priority: 5 }
              b:
                transfer: { queue: sales, agent: "1001@default" }
              c:
                transfer: { extension: "1000", priority: 5 }
              d:
                transfer: { queue: sales, priority: high }
              e:
                transfer: vip
            """;
        var problems = Load(yaml).Problems();
        problems.Should().Contain([
            $"bank.yaml:{At(yaml, "transfer")}: step 'a': transfer needs one of 'queue', 'extension' or 'agent'",
            $"bank.yaml:{At(yaml, "agent")}: step 'b': transfer names both 'queue' and 'agent': write one",
            $"bank.yaml:{At(yaml, "priority", 2)}: step 'c': 'priority' applies to a queue transfer only",
            $"bank.yaml:{At(yaml, "high")}: step 'd': priority 'high' must be a whole number or an expression written with a leading =",
            $"bank.yaml:{At(yaml, "vip")}: step 'e': write transfer: {{ queue: <name> }}, {{ extension: \"1000\" }} or {{ agent: \"1001@default\" }}",
        ]);
    }

    [Fact]
    public void Lookup_by_account_needs_a_value()
    {
        const string yaml = """
            flow: bank
            steps:
              a:
                lookup: { by: account }
                found: b
                not_found: b
              b:
                lookup: { value: 'Vars["x"]' }
                found: c
                not_found: c
              c:
                lookup: phone
                found: d
                not_found: d
              d:
                hangup:
            """;
        ShouldReport(yaml,
            $"bank.yaml:{At(yaml, "lookup")}: step 'a': lookup by account needs 'value' (an expression giving the number, e.g. 'Vars[\"account\"]')",
            $"bank.yaml:{At(yaml, "value")}: step 'b': 'value' applies to a lookup by account only",
            $"bank.yaml:{At(yaml, "phone")}: step 'c': write 'lookup: caller' or lookup: {{ by: account, value: 'Vars[\"account\"]' }}");
    }

    [Fact]
    public void Prompt_that_is_an_unknown_stream()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome:
                play: http://example.invalid/welcome.wav
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "http")}: step 'welcome': prompt 'http://example.invalid/welcome.wav' is neither a sound file nor a tone_stream:// or silence_stream:// stream");
    }

    [Fact]
    public void Prompt_lists_that_are_empty()
    {
        const string yaml = """
            flow: bank
            steps:
              welcome:
                play: []
              bye:
                hangup:
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "play")}: step 'welcome': 'play' has no prompt");
    }

    [Fact]
    public void Return_takes_no_settings()
    {
        const string yaml = """
            flow: bank
            steps:
              done:
                return: { to: main }
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "{ to")}: step 'done': 'return' takes no settings: write 'return: true'");
    }

    [Fact]
    public void Two_documents_in_one_file()
    {
        const string yaml = """
            flow: bank
            steps:
              bye:
                hangup:
            ---
            flow: other
            """;
        ShouldReport(yaml, $"bank.yaml:{At(yaml, "---")}: a flow file holds one YAML document; a second one starts here (remove the '---')");
    }

    [Fact]
    public void Alias_to_no_anchor_and_merge_keys()
    {
        ShouldReport("flow: bank\nsteps: *steps\n", "bank.yaml:2:8: alias '*steps' refers to no anchor written before it");
        ShouldReport("flow: bank\nsteps:\n  a: &a { hangup: }\n  b:\n    <<: *a\n", "bank.yaml:5:5: merge keys ('<<') are not supported: write the fields out");
    }

    [Fact]
    public void Anchors_and_aliases_for_shared_prompts_work()
    {
        var set = Load("""
            flow: bank
            steps:
              a:
                play: &intro [hello.wav, "silence_stream://200"]
              b:
                play: *intro
              c:
                hangup:
            """).ShouldLoad();
        set.Flows[0].Step("b").Should().BeOfType<IvrEngine.Scripts.Model.PlayStep>().Which.Prompts.Should().HaveCount(2);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_file_order()
    {
        const string yaml = """
            flow: bank
            timezone: Mars/Base
            steps:
              welcome:
                play: welcome.wav
                next: mian
              main:
                menu: { greeting: m.wav, options: { "1": bye }, timeout: soon }
                on_max_failures: bye
                on_max_timeouts: bye
              bye:
                hangup: NOPE
            """;
        var result = Load(yaml);
        result.Problems().Should().Equal(
            $"bank.yaml:{At(yaml, "Mars")}: time zone 'Mars/Base' is unknown",
            $"bank.yaml:{At(yaml, "mian")}: step 'welcome' next goes to 'mian', which does not exist (did you mean 'main'?)",
            $"bank.yaml:{At(yaml, "main:")}: step 'main' is never reached from 'welcome'",
            $"bank.yaml:{At(yaml, "soon")}: step 'main': 'timeout' 'soon' is not a duration (write 5s, 1500ms, 2m or a number of seconds)",
            $"bank.yaml:{At(yaml, "bye:")}: step 'bye' is never reached from 'welcome'",
            $"bank.yaml:{At(yaml, "NOPE")}: step 'bye': hangup cause 'NOPE' is unknown");
        result.Set.Should().BeNull();
    }
}
