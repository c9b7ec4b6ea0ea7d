using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Simulator;
using IvrEngine.Tests.Calls;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The simulator cuts a <c>multiset</c> argument as FreeSWITCH 1.10.12 does (quotes, escapes, spaces at the
/// ends, a space as the delimiter): the same raw arguments on a real channel and on a simulated one leave the same
/// variables. The engine keeps such values out of its <c>multiset</c>s (<see cref="MultiSetPlan"/>), so this holds the
/// simulator to FreeSWITCH for the arguments the engine does not send.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class MultisetSplitAgreementTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Raw arguments and the variables they may set.</summary>
    internal static readonly (string Argument, string[] Names)[] Cases =
    [
        ("^^|m_a=O'Brien|m_b='a' and 'b'", ["m_a", "m_b"]),
        (@"^^|m_c=C:\temp\nX|m_d=x", ["m_c", "m_d"]),
        ("^^|m_e=end |m_f= start|  m_g=padded  ", ["m_e", "m_f", "m_g"]),
        (@"^^|m_h=a\|b|m_i=1", ["m_h", "m_i"]),
        ("^^|m_j=say \"hi\"|m_k=it's", ["m_j", "m_k"]),
        (@"^^|m_l=a\\b|m_m=\sx\q", ["m_l", "m_m"]),
        ("m_n=1  m_o='two words' m_p=3", ["m_n", "m_o", "m_p"]),
        ("^^~m_q='x~y'~m_r=z", ["m_q", "m_r"]),
    ];

    [RealFreeSwitchFact]
    public async Task The_simulator_cuts_a_multiset_as_FreeSWITCH_does()
    {
        var real = await OnFreeSwitchAsync();
        var simulated = await OnSimulatorAsync();

        simulated.Should().Equal(real);
    }

    private static async Task<Dictionary<string, string?>> OnFreeSwitchAsync()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Engine = EngineMode.None }, nameof(MultisetSplitAgreementTests));
        await using var held = await HeldSocketCall<bool>.StartAsync(lab, async (session, ct) =>
        {
            await RunCasesAsync(session, ct);
            return true;
        });
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in Cases.SelectMany(c => c.Names))
        {
            var value = await lab.FreeSwitch.ApiAsync($"uuid_getvar {held.Uuid} {name}");
            values[name] = value == "_undef_" ? null : value;
        }

        return values;
    }

    private static async Task<Dictionary<string, string?>> OnSimulatorAsync()
    {
        var (harness, call) = await CallHarness.StartAsync(new CallerScript(), c => RunCasesAsync(c.Session, CancellationToken.None));
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            var record = await call.Completion.WaitAsync(Patience);
            record.ProtocolErrors.Should().BeEmpty();
            return Cases.SelectMany(c => c.Names).ToDictionary(n => n, n => record.Variables.GetValueOrDefault(n), StringComparer.Ordinal);
        }
    }

    private static async Task RunCasesAsync(EslOutboundSession session, CancellationToken cancellationToken)
    {
        foreach (var (argument, _) in Cases)
        {
            var result = await session.ExecuteAsync("multiset", argument, cancellationToken: cancellationToken);
            result.Should().NotBeNull();
        }
    }
}
