namespace IvrEngine.Tests.Conf;

/// <summary>The model of FreeSWITCH's preprocessor, on small configurations written for the test.</summary>
public sealed class FreeSwitchPreprocessorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fs-pre-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string path, string text)
    {
        var full = Path.Combine(_dir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private static FreeSwitchPreprocessor New(Dictionary<string, string>? environment = null) =>
        new(environment ?? [], command => command == "echo hi" ? "hi\n" : null);

    [Fact]
    public void Includes_are_relative_to_the_including_file_in_name_order_without_their_wrapper_lines()
    {
        Write("freeswitch.xml", "<?xml version=\"1.0\"?>\n<doc>\n  <X-PRE-PROCESS cmd=\"include\" data=\"sub/*.xml\"/>\n</doc>\n");
        Write("sub/b.xml", "<include>\n  <b/>\n</include>\n");
        Write("sub/a.xml", "<include>\n  <a/>\n  <X-PRE-PROCESS cmd=\"include\" data=\"deeper/*.xml\"/>\n</include>\n");
        Write("sub/deeper/c.xml", "<include>\n  <c/>\n</include>\n");
        Write("sub/notes.txt", "<not-included/>\n");

        var text = New().Run(_dir);

        text.Should().Be("<doc>\n  <a/>\n  <c/>\n  <b/>\n</doc>\n");
    }

    [Fact]
    public void Variables_are_expanded_line_by_line_and_the_environment_overrides_a_default_only_when_set()
    {
        Write("freeswitch.xml", """
            <doc>
            <X-PRE-PROCESS cmd="set" data="host=127.0.0.1:8084"/>
            <X-PRE-PROCESS cmd="env-set" data="host=$ENGINE"/>
            <X-PRE-PROCESS cmd="set" data="other=one"/>
            <X-PRE-PROCESS cmd="env-set" data="other=$UNSET"/>
            <X-PRE-PROCESS cmd="exec-set" data="said=echo hi"/>
            <v a="$${host}" b="$${other}" c="$${said}" d="$${missing}"/>
            </doc>

            """);

        var plain = New();
        plain.Run(_dir).Should().Contain("<v a=\"127.0.0.1:8084\" b=\"one\" c=\"hi\" d=\"\"/>");
        plain.UndefinedReferences.Should().Equal("missing");
        plain.GlobalSources["said"].Should().Be("exec-set");

        New(new() { ["ENGINE"] = "10.0.0.5:8084" }).Run(_dir).Should().Contain("a=\"10.0.0.5:8084\"");
    }

    [Fact]
    public void A_preprocessor_line_runs_even_inside_a_comment()
    {
        Write("freeswitch.xml", """
            <doc>
            <!--
            <X-PRE-PROCESS cmd="set" data="x=from-comment"/>
            -->
            <v x="$${x}"/>
            </doc>

            """);

        New().Run(_dir).Should().Contain("<v x=\"from-comment\"/>");
    }

    [Fact]
    public void An_include_that_matches_nothing_is_recorded_not_fatal()
    {
        Write("freeswitch.xml", "<doc>\n<X-PRE-PROCESS cmd=\"include\" data=\"none/*.xml\"/>\n</doc>\n");
        var preprocessor = New();

        preprocessor.Run(_dir).Should().Be("<doc>\n</doc>\n");
        preprocessor.EmptyIncludes.Should().ContainSingle();
    }
}
