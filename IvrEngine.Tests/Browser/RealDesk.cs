using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using IvrEngine.Hosting;
using IvrEngine.Simulator;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.Web;
using IvrEngine.Tests.Web.Desk;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace IvrEngine.Tests.Browser;

/// <summary>The real engine for the browser tests: its web app on loopback with the demo data and demo calls, the
/// users of <see cref="DeskWeb"/> (agent1001, agent1002, supervisor, admin; one known password), and its inbound
/// connection to a FreeSWITCH simulator that plays mod_callcenter (agents 1001@default and 1002@default): a call the
/// engine's flow sends to a queue waits there until the test offers it to an agent, and the desk learns of it from
/// the callcenter::info events, as with FreeSWITCH.</summary>
internal sealed class RealDesk : IAsyncDisposable
{
    public const string Agent1001 = "1001@default";
    public const string Agent1002 = "1002@default";

    private readonly InboundServer _server;
    private readonly HttpClient _admin;

    private RealDesk(FreeSwitchSimulator freeSwitch, InboundServer server, EngineUnderTest engine, HttpClient admin)
    {
        FreeSwitch = freeSwitch;
        _server = server;
        Engine = engine;
        _admin = admin;
        Url = DeskWeb.Base(engine).ToString().TrimEnd('/');
        Desk = engine.Host.Services.GetRequiredService<DeskService>();
    }

    public FreeSwitchSimulator FreeSwitch { get; }

    public EngineUnderTest Engine { get; }

    public DeskService Desk { get; }

    /// <summary>The web app's address, e.g. http://127.0.0.1:41234.</summary>
    public string Url { get; }

    public IServiceProvider Services => Engine.Host.Services;

    public static Task<RealDesk> StartAsync(params string[] settings) => StartAsync(null, settings);

    /// <summary>As <see cref="StartAsync(string[])"/>, with <paramref name="configure"/> given the engine's services
    /// after its own (a test's stand-in for one of them).</summary>
    public static async Task<RealDesk> StartAsync(Action<IServiceCollection>? configure, params string[] settings)
    {
        var freeSwitch = new FreeSwitchSimulator(new SimulatorOptions
        {
            HangUpAfterTransfer = false,
            CallcenterAgents = [Agent1001, Agent1002],
            Dialplan = Dialplan,
        });
        InboundServer? server = null;
        EngineUnderTest? engine = null;
        try
        {
            server = await freeSwitch.StartInboundServerAsync("pw");
            engine = await EngineUnderTest.StartAsync(null, s =>
            {
                s.AddDesk();
                configure?.Invoke(s);
            }, [
                "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", "--Engine:Inbound:Password=pw",
                "--Store:SeedDemoData=true", "--Web:DemoCalls=true", .. settings]);
            await DeskWeb.AddUsersAsync(engine.Host.Services);
            var desk = engine.Host.Services.GetRequiredService<DeskService>();
            await desk.WaitForAsync(d => d.Agents().Count == 2, EngineUnderTest.Patience, "the agents from callcenter_config agent list");
            await engine.Host.Services.GetRequiredService<InboundClientService>().Client!.SubscribeAsync(DeskServices.Events).WaitAsync(EngineUnderTest.Patience);
            var admin = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
            return new RealDesk(freeSwitch, server, engine, admin);
        }
        catch
        {
            if (engine is not null) await engine.DisposeAsync();
            if (server is not null) await server.DisposeAsync();
            await freeSwitch.DisposeAsync();
            throw;
        }
    }

    /// <summary>The setting that makes the engine serve the shipped flows (bank on 5000, taxi, clinic) instead of the
    /// default flow alone: pass it to <see cref="StartAsync(string[])"/>.</summary>
    public static string ShippedFlows => "--Flows:Path=" + Path.Combine(AppContext.BaseDirectory, "flows");

    /// <summary>A call from <paramref name="ani"/> to 5000 that the engine's flow puts in a queue (the default flow, or
    /// bank with <see cref="ShippedFlows"/>), the caller
    /// keying <paramref name="keys"/> one item per wait for keys; returned once the desk knows the caller waits there.</summary>
    public async Task<SimulatedCall> QueuedCallAsync(string ani, params string[] keys)
    {
        var call = await FreeSwitch.StartCallAsync(Engine.EndPoint, new CallerScript
        {
            Ani = ani,
            CallerName = string.Empty,
            Inputs = [.. keys.Select(CallerInput.Keys)],
        });
        await call.WaitForApplicationAsync("callcenter").WaitAsync(EngineUnderTest.Patience);
        await Desk.WaitForAsync(d => d.Waiting().Any(w => w.CallUuid == call.Uuid), EngineUnderTest.Patience, "the caller waiting in the queue");
        return call;
    }

    /// <summary>The dialplan of freeswitch-conf/dialplan/default.xml as far as the tests need it: queue_X runs
    /// mod_callcenter's application on queue X@default; agent_X (a client's manager first) bridges user/X, which is not
    /// registered here (only 1001 and 1002 are agents), so with continue_on_fail the dialplan goes on to
    /// ivr_agent_fallback: the queue the engine named in ivr_fallback_queue (the bank's manager rule names general).</summary>
    private static IReadOnlyList<DialplanApplication> Dialplan(string transfer)
    {
        var destination = transfer.Split(' ')[0];
        if (destination.StartsWith("queue_", StringComparison.Ordinal))
        {
            return [new DialplanApplication("callcenter", destination["queue_".Length..] + "@default")];
        }

        if (destination.StartsWith("agent_", StringComparison.Ordinal))
        {
            var agent = destination["agent_".Length..];
            return
            [
                new DialplanApplication("set", $"ivr_agent_tried={agent}"),
                new DialplanApplication("export", $"ivr_fallback_reason=agent {agent} USER_NOT_REGISTERED"),
                new DialplanApplication("callcenter", "general@default"),
            ];
        }

        return [];
    }

    /// <summary>A demo call (<c>POST /api/demo/calls</c> as the admin) from <paramref name="ani"/> offered to
    /// <paramref name="agent"/>; returns its uuid.</summary>
    public async Task<string> DemoCallAsync(string ani, string agent = Agent1001)
    {
        var response = await _admin.PostAsJsonAsync("/api/demo/calls", new { ani, dnis = "5000", agent });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await DeskWeb.JsonAsync(response)).GetProperty("callUuid").GetString()!;
    }

    /// <summary>Moves a demo call on: "answer" or "end".</summary>
    public async Task DemoStepAsync(string uuid, string step)
    {
        var response = await _admin.PostAsync(new Uri($"/api/demo/calls/{uuid}/{step}", UriKind.Relative), null);
        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    /// <summary>Signs <paramref name="userName"/> in through the sign-in page and waits for <paramref name="page"/>'s
    /// desk to be connected.</summary>
    public static async Task SignInAsync(IPage page, string userName, string path = "/agent")
    {
        await page.GotoAsync($"/signin?return={Uri.EscapeDataString(path)}");
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Sign in" });
        await form.GetByLabel("User name").FillAsync(userName);
        await form.GetByLabel("Password").FillAsync(DeskWeb.Password);
        await form.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
        if (path is "/agent" or "/supervisor") await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Connected");
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await Engine.DisposeAsync();
        await _server.DisposeAsync();
        await FreeSwitch.DisposeAsync();
    }
}
