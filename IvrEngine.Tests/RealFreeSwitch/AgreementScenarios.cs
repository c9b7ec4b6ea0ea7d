using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Tests.Conf;
using IvrEngine.Tests.EndToEnd;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The scenarios run both against the real FreeSWITCH and against the simulator, each time with the engine
/// as Program builds it, the shipped flows and the demo data, and a tap in front of the engine's outbound listener.</summary>
public enum AgreementScenario
{
    /// <summary>The demo VIP calls the bank (5000); known by number, asked nothing, sent to queue_vip.</summary>
    VipKnownByNumber,

    /// <summary>An unknown caller calls the bank, presses 2 (account number) in the how-identify menu, keys the VIP's
    /// account and #, confirms with 1; sent to queue_vip.</summary>
    UnknownCallerKeysAccount,

    /// <summary>An unknown caller presses 2, keys two digits of an account and hangs up.</summary>
    HangsUpDuringAccountEntry,

    /// <summary>An unknown caller presses nothing at the how-identify menu, three times; sent to queue_general.</summary>
    SilentAtTheMenu,

    /// <summary>An unknown caller presses 2 and keys the VIP's account without # (the inter-digit timeout ends the
    /// entry: read_result=timeout, with the digits), then confirms with 1; sent to queue_vip.</summary>
    AccountKeyedWithoutPound,

    /// <summary>An ordinary client known by number presses 1 (balance) at the main menu, hears it (say), presses
    /// nothing at the next menu and is told goodbye: the engine hangs up.</summary>
    ExistingClientHearsBalance,
}

internal static class Agreement
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>What the dialplan does before <c>socket</c> (freeswitch-conf/dialplan/ivr/entry.xml: export
    /// ivr_dnis=$1), which the simulator does not run: its caller carries the variable instead. The dialplan's other
    /// action there, set socket_resume=true, the simulator does itself (SimulatorOptions.SocketResume).</summary>
    private static readonly Dictionary<string, string> DialplanVariables = new() { ["ivr_dnis"] = "5000" };

    /// <summary>The shipped dialplan (freeswitch-conf as the preprocessor assembles it), for what runs where the engine
    /// transfers a call.</summary>
    private static readonly Lazy<XmlDialplan> s_dialplan = new(() => FreeSwitchConf.Load().Dialplan);

    public static string CallerNumber(AgreementScenario scenario) => scenario switch
    {
        AgreementScenario.VipKnownByNumber => DemoDataSeeder.WellKnown.VipPhone,
        AgreementScenario.ExistingClientHearsBalance => DemoDataSeeder.WellKnown.ExistingPhone,
        _ => DemoDataSeeder.UnknownAnis[0],
    };

    /// <summary>Runs the scenario on a real FreeSWITCH; returns the tapped engine session (closed).</summary>
    public static async Task<TapSession> RunRealAsync(AgreementScenario scenario, string testName)
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { TapEngine = true }, testName);
        var call = await lab.CallAsync("5000", CallerNumber(scenario));
        var session = await lab.Tap!.SessionAsync(0, Patience);
        switch (scenario)
        {
            case AgreementScenario.VipKnownByNumber:
            case AgreementScenario.SilentAtTheMenu:
                break;
            case AgreementScenario.UnknownCallerKeysAccount:
                await KeyWhenCollectingAsync(lab, call.Caller, 1, "2");
                await KeyWhenCollectingAsync(lab, call.Caller, 2, DemoDataSeeder.WellKnown.VipAccount + "#");
                await KeyWhenCollectingAsync(lab, call.Caller, 3, "1");
                break;
            case AgreementScenario.HangsUpDuringAccountEntry:
                await KeyWhenCollectingAsync(lab, call.Caller, 1, "2");
                await KeyWhenCollectingAsync(lab, call.Caller, 2, "40");
                await lab.Events.WaitAsync(Nth(e => e.EventName == "DTMF" && e.UniqueId == call.Caller, 2), Patience, "the caller's second digit");
                // The caller's phone hangs up: the loopback -a leg (the caller's side) goes, and takes the -b leg.
                await lab.FreeSwitch.ApiAsync($"uuid_kill {call.ALeg} NORMAL_CLEARING");
                break;
            case AgreementScenario.AccountKeyedWithoutPound:
                await KeyWhenCollectingAsync(lab, call.Caller, 1, "2");
                await KeyWhenCollectingAsync(lab, call.Caller, 2, DemoDataSeeder.WellKnown.VipAccount);
                await KeyWhenCollectingAsync(lab, call.Caller, 3, "1");
                break;
            case AgreementScenario.ExistingClientHearsBalance:
                await KeyWhenCollectingAsync(lab, call.Caller, 1, "1");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario));
        }

        await session.Closed.WaitAsync(Patience);
        Keep(session, testName, "real");
        return session;
    }

    /// <summary>Runs the scenario on the simulator (HangUpAfterTransfer false: a real caller stays in the queue);
    /// returns the tapped engine session (closed).</summary>
    public static async Task<TapSession> RunSimulatedAsync(AgreementScenario scenario, string? testName = null)
    {
        await using var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { HangUpAfterTransfer = false, Dialplan = Destination }, null,
            "--Store:SeedDemoData=true", "--Flows:Path=" + Path.Combine(AppContext.BaseDirectory, "flows"));
        await using var tap = EslTap.Start(engine.EndPoint);
        _ = s_dialplan.Value; // assembled before the call: the transfer must not wait for the preprocessor
        var script = new CallerScript
        {
            Ani = CallerNumber(scenario),
            // The real calls are placed with a number and no name (RealLab.CallAsync).
            CallerName = string.Empty,
            Dnis = "5000",
            Variables = DialplanVariables,
            Inputs = scenario switch
            {
                AgreementScenario.UnknownCallerKeysAccount =>
                    [CallerInput.Keys("2"), CallerInput.Keys(DemoDataSeeder.WellKnown.VipAccount + "#"), CallerInput.Keys("1")],
                AgreementScenario.HangsUpDuringAccountEntry => [CallerInput.Keys("2")],
                AgreementScenario.SilentAtTheMenu => [CallerInput.Silence, CallerInput.Silence, CallerInput.Silence],
                AgreementScenario.AccountKeyedWithoutPound =>
                [
                    CallerInput.Keys("2"), CallerInput.Keys(DemoDataSeeder.WellKnown.VipAccount), CallerInput.Keys("1"),
                ],
                AgreementScenario.ExistingClientHearsBalance => [CallerInput.Keys("1"), CallerInput.Silence],
                _ => [],
            },
        };
        var call = await engine.Simulator.StartCallAsync(tap.EndPoint, script);
        var session = await tap.SessionAsync(0, Patience);
        if (scenario == AgreementScenario.HangsUpDuringAccountEntry)
        {
            await call.WaitForApplicationAsync("play_and_get_digits").WaitAsync(Patience);
            await call.WaitForApplicationAsync("play_and_get_digits").WaitAsync(Patience);
            await call.SendDtmfAsync("40");
            await call.HangUpAsync();
        }

        await session.Closed.WaitAsync(Patience);
        if (testName is not null) Keep(session, testName, "simulator");
        var record = await call.Completion.WaitAsync(Patience);
        if (record.ProtocolErrors.Count > 0)
        {
            throw new InvalidOperationException("the simulator reported: " + string.Join("; ", record.ProtocolErrors));
        }

        return session;
    }

    /// <summary>Set to 1, the real-FreeSWITCH agreement tests rewrite the committed references from their run.</summary>
    public const string RecordVariable = "IVR_AGREEMENT_RECORD";

    /// <summary>The committed normalised view of a real run of the scenario (Agreement/NAME.txt beside this file).</summary>
    public static string ReferencePath(AgreementScenario scenario) =>
        Path.Combine(RealFreeSwitchEnvironment.RepositoryRoot(), "IvrEngine.Tests", "RealFreeSwitch", "Agreement", scenario + ".txt");

    public static EslSessionView Reference(AgreementScenario scenario) => EslSessionView.Parse(File.ReadAllText(ReferencePath(scenario)));

    /// <summary>Writes <paramref name="real"/> as the scenario's reference.</summary>
    public static void Record(AgreementScenario scenario, EslSessionView real) =>
        File.WriteAllText(ReferencePath(scenario), real.Render(
            $"The {scenario} scenario (RealFreeSwitch/AgreementScenarios.cs) on a real FreeSWITCH 1.10.12, as the tap saw it and\n"
            + "EslSessionView normalised it. Written by SimulatorAgreementTests with " + RecordVariable + "=1; the fast\n"
            + "SimulatorAgreesWithRecordedFreeSwitchTests hold the simulator to it, and the real-FreeSWITCH tests hold it to FreeSWITCH."));

    /// <summary>The applications of the extension a transfer (<c>ext dialplan context</c>) reaches in the shipped
    /// dialplan.</summary>
    public static IReadOnlyList<DialplanApplication> Destination(string transfer)
    {
        var words = transfer.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return s_dialplan.Value.Hunt(words.Length > 2 ? words[2] : "default", words[0])
            .Select(a => new DialplanApplication(a.Application, a.Data)).ToList();
    }

    /// <summary>Waits until FreeSWITCH reports the <paramref name="n"/>-th play_and_get_digits of the caller running
    /// (CHANNEL_EXECUTE on the control connection), then keys <paramref name="digits"/> into the caller's channel.</summary>
    private static async Task KeyWhenCollectingAsync(RealLab lab, string caller, int n, string digits)
    {
        await lab.Events.WaitAsync(
            Nth(e => e.EventName == "CHANNEL_EXECUTE" && e.UniqueId == caller && e["Application"] == "play_and_get_digits", n),
            Patience, $"play_and_get_digits #{n} of the caller");
        await lab.ReceiveDtmfAsync(caller, digits);
    }

    /// <summary>A predicate that accepts the <paramref name="n"/>-th event <paramref name="match"/> accepts (the
    /// event log tries each event once per wait, in order).</summary>
    private static Func<EslEvent, bool> Nth(Func<EslEvent, bool> match, int n)
    {
        var seen = 0;
        return e => match(e) && ++seen == n;
    }

    private static void Keep(TapSession session, string testName, string side)
    {
        var folder = Path.Combine(RealFreeSwitchEnvironment.ArtifactsFolder, "agreement");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, $"{testName}.{side}.txt"), session.Transcript($"{testName} on the {side} FreeSWITCH, through the tap"));
        File.WriteAllText(Path.Combine(folder, $"{testName}.{side}.view.txt"), EslSessionView.From(session).Render());
    }
}
