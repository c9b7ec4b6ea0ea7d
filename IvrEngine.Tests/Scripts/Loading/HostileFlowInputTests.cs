using System.Diagnostics;
using System.Text;
using IvrEngine.Scripts;

namespace IvrEngine.Tests.Scripts.Loading;

/// <summary>Whatever is in the flows folder, the loader answers with problems, quickly, and never throws.</summary>
public sealed class HostileFlowInputTests : IDisposable
{
    private readonly FlowFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static FlowLoadResult FromText(string yaml) =>
        FlowSet.FromText(new Dictionary<string, string> { ["bad.yaml"] = yaml }, Path.GetTempPath(), new FlowLoadOptions { CheckPromptFiles = false });

    private static string Only(FlowLoadResult result)
    {
        result.Set.Should().BeNull();
        return result.Problems().Should().ContainSingle().Subject;
    }

    [Fact]
    public void File_over_one_megabyte_is_refused_unread()
    {
        var path = _files.Write("big.yaml", "flow: big\ndescription: " + new string('x', 1024 * 1024) + "\n");
        Only(_files.Load()).Should().Be($"{path}:1:1: the file is larger than 1 MB ({new FileInfo(path).Length} bytes): flow files are refused past that");
    }

    [Fact]
    public void Text_over_one_megabyte_is_refused()
    {
        Only(FromText(new string('#', 1024 * 1024 + 1))).Should().Be("bad.yaml:1:1: the file is larger than 1 MB (1048577 bytes): flow files are refused past that");
    }

    [Theory]
    [InlineData('[', ']')]
    [InlineData('{', '}')]
    public void Deep_flow_nesting_stops_at_the_limit(char open, char close)
    {
        var yaml = "flow: " + new string(open, 400_000) + new string(close, 400_000);
        var watch = Stopwatch.StartNew();
        var problem = Only(FromText(yaml));
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        problem.Should().EndWith("lists and mappings nest deeper than 40 levels");
    }

    [Fact]
    public void Deep_block_nesting_stops_at_the_limit()
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            yaml.Append(' ', i).Append("k:\n");
        }

        Only(FromText(yaml.ToString())).Should().EndWith("lists and mappings nest deeper than 40 levels");
    }

    [Fact]
    public void Billion_laughs_is_refused_before_expanding()
    {
        var yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 10; i++)
        {
            yaml.Append($"a{i}: &a{i} [").Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))).Append("]\n");
        }

        yaml.Append("flow: laughs\nsteps:\n  s:\n    play: *a9\n");
        Only(FromText(yaml.ToString())).Should().EndWith("the file has more than 100000 values (aliases counted each time they are used, long texts as several)");
    }

    [Fact]
    public void Alias_of_a_long_text_used_many_times_is_refused()
    {
        var yaml = "flow: bank\nnumbers: [&n \"" + new string('x', 100_000) + "\", " + string.Join(", ", Enumerable.Repeat("*n", 1000)) + "]\n";
        Only(FromText(yaml)).Should().Contain("the file has more than 100000 values");
    }

    [Fact]
    public void Random_bytes_are_reported_as_not_utf8()
    {
        var random = new Random(7);
        for (var i = 0; i < 20; i++)
        {
            var bytes = new byte[random.Next(1, 5000)];
            random.NextBytes(bytes);
            bytes[0] = 0x80;
            _files.WriteBytes($"garbage{i}.yaml", bytes);
        }

        var result = _files.Load();
        result.Set.Should().BeNull();
        result.Diagnostics.Should().HaveCount(20).And.OnlyContain(d => d.Message.StartsWith("the file is not UTF-8 text", StringComparison.Ordinal));
    }

    [Fact]
    public void Random_text_never_throws()
    {
        var random = new Random(11);
        const string alphabet = "abc:- \n\t[]{}'\"&*!|>%@`#,?\\\0\u00e9\u2028\uFFFF=.";
        for (var i = 0; i < 300; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(1, 400)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var result = FromText(text);
            result.Diagnostics.Should().NotBeEmpty();
            result.Set.Should().BeNull();
        }
    }

    [Fact]
    public void Mutations_of_a_valid_flow_never_throw()
    {
        var random = new Random(5);
        string[] inserts = ["[", "]", "{", "}", ":", "- ", "\"", "'", "&a ", "*a", "#", "\n", "  ", "\t", "|", ">", "!", "---", "<<: ", "=", "\r", "\0", "\uD800"];
        var valid = ReadmeExampleTests.Bank;
        for (var i = 0; i < 150; i++)
        {
            var text = valid;
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var at = random.Next(text.Length);
                text = random.Next(3) switch
                {
                    0 => text.Insert(at, inserts[random.Next(inserts.Length)]),
                    1 => text.Remove(at, Math.Min(random.Next(1, 8), text.Length - at)),
                    _ => text.Insert(at, ((char)random.Next(0x20, 0x3000)).ToString()),
                };
            }

            var result = FromText(text);
            if (result.Set is null)
            {
                result.Diagnostics.Should().NotBeEmpty();
            }
        }
    }

    [Fact]
    public void Non_utf8_text_is_reported_at_its_byte()
    {
        var path = _files.WriteBytes("latin1.yaml", [.. "flow: bank\ndescription: caf"u8, 0xE9, .. "\n"u8]);
        Only(_files.Load()).Should().Be($"{path}:2:17: the file is not UTF-8 text (byte 0xE9): save it as UTF-8");
    }

    [Fact]
    public void Utf16_is_reported()
    {
        var path = _files.WriteBytes("wide.yaml", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("flow: bank\n")]);
        Only(_files.Load()).Should().Be($"{path}:1:1: the file is UTF-16 text: save it as UTF-8");
    }

    [Fact]
    public void Utf8_byte_order_mark_is_accepted()
    {
        _files.WriteBytes("bom.yaml", [.. Encoding.UTF8.GetPreamble(), .. "flow: bank\nsteps:\n  bye:\n    hangup:\n"u8]);
        _files.Load().ShouldLoad().Flows[0].Name.Should().Be("bank");
        FromText("\uFEFFflow: bank\nsteps:\n  bye:\n    hangup:\n").ShouldLoad();
    }

    [Fact]
    public void Control_characters_are_a_syntax_error()
    {
        Only(FromText("flow: ba\0nk\nsteps:\n  bye:\n    hangup:\n")).Should().StartWith("bad.yaml:1:");
    }

    [Fact]
    public void Unclosed_flow_list_before_a_key_is_a_syntax_error()
    {
        Only(FromText("flow: [bank\nsteps:\n")).Should().Be("bad.yaml:2:1: YAML syntax: the text cannot be read from here on (an unclosed bracket or quote?)");
    }

    [Fact]
    public void Key_longer_than_yaml_allows_is_a_syntax_error()
    {
        Only(FromText(new string('k', 5000) + ": 1\n")).Should().StartWith("bad.yaml:1:").And.Contain("YAML syntax");
    }

    [Fact]
    public void Deeply_nested_expression_is_refused_without_overflowing_the_stack()
    {
        var condition = new string('(', 5000) + "true" + new string(')', 5000);
        var yaml = $"flow: bank\nsteps:\n  route:\n    branch:\n      - when: '{condition}'\n        goto: bye\n    else: bye\n  bye:\n    hangup:\n";
        Only(FromText(yaml)).Should().Be("bad.yaml:5:1016: step 'route' condition does not compile: it is longer than 1000 characters");

        condition = new string('(', 60) + "true" + new string(')', 60);
        yaml = $"flow: bank\nsteps:\n  route:\n    branch:\n      - when: '{condition}'\n        goto: bye\n    else: bye\n  bye:\n    hangup:\n";
        Only(FromText(yaml)).Should().Be("bad.yaml:5:66: step 'route' condition does not compile: brackets nest deeper than 50 levels");
    }

    [Fact]
    public void Long_chain_of_steps_in_a_loop_is_found_without_recursion()
    {
        var yaml = new StringBuilder("flow: chain\nsteps:\n");
        const int count = 20_000;
        for (var i = 0; i < count; i++)
        {
            yaml.Append($"  s{i}:\n    goto: s{(i + 1) % count}\n");
        }

        var watch = Stopwatch.StartNew();
        var problem = Only(FromText(yaml.ToString()));
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        problem.Should().StartWith("bad.yaml:3:3: steps 's0' -> 's1' -> ").And.EndWith(" -> 's19999' -> 's0' loop without waiting for input");
    }

    [Fact]
    public void Thousands_of_problems_stay_cheap()
    {
        var yaml = new StringBuilder("flow: many\nsteps:\n");
        const int count = 10_000;
        for (var i = 0; i < count; i++)
        {
            yaml.Append($"  s{i}:\n    play: a.wav\n    next: missing{i}\n");
        }

        var watch = Stopwatch.StartNew();
        var result = FromText(yaml.ToString());
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        result.Diagnostics.Where(d => d.Message.EndsWith("which does not exist", StringComparison.Ordinal)).Should().HaveCountGreaterThan(count - 200);
        result.Set.Should().BeNull();
    }
}
