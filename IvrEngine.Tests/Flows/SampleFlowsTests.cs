using IvrEngine.Ivr;
using IvrEngine.Scripts;
using IvrEngine.Tests.Scripts.Loading;

namespace IvrEngine.Tests.Flows;

/// <summary>The flows shipped in IvrEngine/flows load without a single message: CI refuses a sample that does not
/// validate, and their placeholder prompts are real, tiny 8 kHz mono WAV files.</summary>
public sealed class SampleFlowsTests
{
    private static readonly string[] Samples = ["bank", "taxi", "clinic"];

    [Fact]
    public void Every_shipped_flow_validates_with_no_messages()
    {
        var loaded = FlowSet.Load(FlowCliKit.ShippedFlows);

        loaded.Diagnostics.Select(d => d.ToString()).Should().BeEmpty();
        loaded.Succeeded.Should().BeTrue();
        loaded.Set!.Flows.Select(f => f.Name).Should().Contain(Samples);
        loaded.Set.ForDialedNumber("5000")!.Name.Should().Be("bank");
        loaded.Set.ForDialedNumber("5001")!.Name.Should().Be("taxi");
        loaded.Set.ForDialedNumber("5002")!.Name.Should().Be("clinic");
    }

    [Fact]
    public void Every_shipped_flow_fits_the_default_budgets_with_room_to_spare()
    {
        FlowSet.Load(FlowCliKit.ShippedFlows, new CallBudget(new CallBudgetsOptions()).LoadOptions()).ShouldLoad();

        // Three quarters of the default totals would still hold them: an admin can add values without hitting a limit.
        var tighter = new CallBudgetsOptions { ChannelVariables = { TotalBytes = 3072 }, SipHeaders = { TotalBytes = 576 } };
        FlowSet.Load(FlowCliKit.ShippedFlows, new CallBudget(tighter).LoadOptions()).ShouldLoad();
    }

    [Theory]
    [InlineData("bank")]
    [InlineData("taxi")]
    [InlineData("clinic")]
    public void Each_sample_validates_on_its_own(string flow)
    {
        var loaded = FlowSet.Load(Path.Combine(FlowCliKit.ShippedFlows, flow + ".yaml"));

        loaded.Diagnostics.Select(d => d.ToString()).Should().BeEmpty();
        loaded.Set!.Flows.Should().ContainSingle().Which.Name.Should().Be(flow);
    }

    [Fact]
    public void The_placeholder_prompts_are_tiny_8_kHz_16_bit_mono_pcm_wav_files()
    {
        var files = Samples.SelectMany(s => Directory.GetFiles(Path.Combine(FlowCliKit.ShippedFlows, "prompts", s), "*", SearchOption.AllDirectories)).ToList();

        files.Should().NotBeEmpty();
        foreach (var file in files)
        {
            Path.GetExtension(file).Should().Be(".wav", file);
            var bytes = File.ReadAllBytes(file);
            bytes.Length.Should().BeLessThan(4096, file);
            System.Text.Encoding.ASCII.GetString(bytes, 0, 4).Should().Be("RIFF", file);
            System.Text.Encoding.ASCII.GetString(bytes, 8, 4).Should().Be("WAVE", file);
            BitConverter.ToInt16(bytes, 20).Should().Be(1, "PCM: " + file);
            BitConverter.ToInt16(bytes, 22).Should().Be(1, "mono: " + file);
            BitConverter.ToInt32(bytes, 24).Should().Be(8000, "8 kHz: " + file);
            BitConverter.ToInt16(bytes, 34).Should().Be(16, "16-bit: " + file);
        }
    }

    [Fact]
    public void Every_placeholder_is_named_by_its_flow()
    {
        foreach (var sample in Samples)
        {
            var yaml = File.ReadAllText(Path.Combine(FlowCliKit.ShippedFlows, sample + ".yaml"));
            foreach (var file in Directory.GetFiles(Path.Combine(FlowCliKit.ShippedFlows, "prompts", sample), "*.wav", SearchOption.AllDirectories))
            {
                yaml.Should().Contain(Path.GetFileName(file), $"{file} is shipped for {sample}.yaml");
            }
        }
    }

    [Fact]
    public void Every_spanish_clinic_prompt_has_an_english_one()
    {
        var clinic = Path.Combine(FlowCliKit.ShippedFlows, "prompts", "clinic");
        foreach (var spanish in Directory.GetFiles(Path.Combine(clinic, "es"), "*.wav"))
        {
            File.Exists(Path.Combine(clinic, Path.GetFileName(spanish))).Should().BeTrue(spanish);
        }
    }
}
