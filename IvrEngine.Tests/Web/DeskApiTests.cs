using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IvrEngine.Profiles;
using IvrEngine.Tests.EndToEnd;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.Web;

/// <summary>The agent desktop's API over real HTTP with demo calls (no FreeSWITCH): the pop on the stream, who may see
/// what, every edit versioned and audited, the new caller made a client, the wrap-up.</summary>
public sealed class DeskApiTests
{
    private static readonly string[] Demo = ["--Store:SeedDemoData=true", "--Web:DemoCalls=true"];

    [Fact]
    public async Task A_demo_call_offered_to_1001_pops_on_its_stream_and_only_1001_and_supervisors_may_open_its_card()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null, Demo);
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var agent = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "agent1001");
        using var other = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "agent1002");
        using var supervisor = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "supervisor");
        using var admin = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
        await using var stream = await DeskStream.OpenAsync(agent);
        await stream.WaitAsync(s => !DeskStream.Calls(s).Any());

        var uuid = await DemoCallAsync(admin, DemoDataSeeder.WellKnown.VipPhone, "1001@default");

        var (state, _) = await stream.WaitAsync(s => DeskStream.Calls(s).Any(c => c.GetProperty("callUuid").GetString() == uuid));
        var call = DeskStream.Calls(state).Single();
        call.GetProperty("state").GetString().Should().Be("ringing");
        call.GetProperty("category").GetString().Should().Be("vip");
        var card = await DeskWeb.JsonAsync(await agent.GetAsync(new Uri($"/api/calls/{uuid}/card", UriKind.Relative)));
        card.GetProperty("cti").GetProperty("code").GetString().Should().Be("V");
        card.GetProperty("client").GetProperty("category").GetString().Should().Be("vip");
        card.GetProperty("client").GetProperty("cards")[0].GetString().Should().Be("**** 1111");
        card.GetProperty("call").GetProperty("direction").GetString().Should().Be("INCOMING");
        card.GetProperty("call").GetProperty("agent").GetProperty("name").GetString().Should().StartWith("Anna Petrova");
        card.GetProperty("campaign").GetProperty("name").GetString().Should().Be("Demo Bank");
        card.GetRawText().Should().NotContain("4111111111111111");

        (await other.GetAsync(new Uri($"/api/calls/{uuid}/card", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var clientId = card.GetProperty("client").GetProperty("id").GetGuid();
        (await other.GetAsync(new Uri($"/api/clients/{clientId}", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await supervisor.GetAsync(new Uri($"/api/calls/{uuid}/card", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);

        (await admin.PostAsync(new Uri($"/api/demo/calls/{uuid}/answer", UriKind.Relative), null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await stream.WaitAsync(s => DeskStream.Calls(s).Any(c => c.GetProperty("state").GetString() == "on-call"));
        (await admin.PostAsync(new Uri($"/api/demo/calls/{uuid}/end", UriKind.Relative), null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await stream.WaitAsync(s => DeskStream.Calls(s).Any(c => c.GetProperty("state").GetString() == "wrap-up"));

        var wrap = await agent.PostAsJsonAsync($"/api/calls/{uuid}/wrapup", new { disposition = "resolved", note = "Limit raised" });
        wrap.StatusCode.Should().Be(HttpStatusCode.OK);
        await stream.WaitAsync(s => !DeskStream.Calls(s).Any());
        var record = await engine.Host.Services.GetRequiredService<IDeskStore>().FindInteractionAsync(uuid);
        record!.Disposition.Should().Be("resolved");
        record.WrapUpNote.Should().Be("Limit raised");
    }

    [Fact]
    public async Task Two_agents_editing_one_card_the_second_gets_a_conflict_with_the_current_card_and_every_edit_is_audited()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null, Demo);
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var agent = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "agent1001");
        using var supervisor = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "supervisor");
        using var admin = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
        var uuid = await DemoCallAsync(admin, DemoDataSeeder.WellKnown.GeorgianVipPhone, "1001@default");
        var card = (await DeskWeb.JsonAsync(await agent.GetAsync(new Uri($"/api/calls/{uuid}/card", UriKind.Relative)))).GetProperty("client");
        var id = card.GetProperty("id").GetGuid();
        var version = card.GetProperty("version").GetInt32();

        var first = await supervisor.PatchAsJsonAsync($"/api/clients/{id}", new { version, company = "თბილისის ბანკი" });
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        var second = await agent.PatchAsJsonAsync($"/api/clients/{id}", new { version, city = "Batumi", callUuid = uuid });

        second.StatusCode.Should().Be(HttpStatusCode.Conflict);
        var conflict = await DeskWeb.JsonAsync(second);
        conflict.GetProperty("error").GetString().Should().Contain("Someone else changed this card");
        conflict.GetProperty("current").GetProperty("company").GetString().Should().Be("თბილისის ბანკი");
        var retried = await agent.PatchAsJsonAsync($"/api/clients/{id}",
            new { version = conflict.GetProperty("current").GetProperty("version").GetInt32(), city = "Batumi", callUuid = uuid });
        retried.StatusCode.Should().Be(HttpStatusCode.OK);
        (await DeskWeb.JsonAsync(retried)).GetProperty("location").GetProperty("city").GetString().Should().Be("Batumi");

        var note = await agent.PostAsJsonAsync($"/api/clients/{id}/notes", new { text = "ზარი 18:00-ის შემდეგ", callUuid = uuid });
        (await DeskWeb.JsonAsync(note)).GetProperty("notes")[0].GetProperty("author").GetString().Should().StartWith("Anna Petrova");
        var phone = await agent.PostAsJsonAsync($"/api/clients/{id}/phones", new { phone = "+995599123456", callUuid = uuid });
        (await DeskWeb.JsonAsync(phone)).GetProperty("phones").EnumerateArray().Select(p => p.GetString()).Should().Contain("+995599123456");
        var ticket = await DeskWeb.JsonAsync(await agent.PostAsJsonAsync($"/api/clients/{id}/tickets", new { subject = "Card blocked", status = "open", callUuid = uuid }));
        var changed = await agent.PatchAsJsonAsync($"/api/tickets/{ticket.GetProperty("id").GetGuid()}", new { version = ticket.GetProperty("version").GetInt32(), status = "in-progress" });
        (await DeskWeb.JsonAsync(changed)).GetProperty("status").GetString().Should().Be("in-progress");
        var stale = await agent.PatchAsJsonAsync($"/api/tickets/{ticket.GetProperty("id").GetGuid()}", new { version = ticket.GetProperty("version").GetInt32(), status = "closed" });
        stale.StatusCode.Should().Be(HttpStatusCode.Conflict);

        var audit = await DeskWeb.JsonAsync(await supervisor.GetAsync(new Uri($"/api/clients/{id}/audit", UriKind.Relative)));
        var entries = audit.EnumerateArray().Select(a => (What: a.GetProperty("what").GetString(), By: a.GetProperty("by").GetString())).ToList();
        entries.Should().Contain([("company", "supervisor"), ("city", "agent1001"), ("note", "agent1001"), ("phone", "agent1001"), ("ticket", "agent1001")]);
        (await agent.GetAsync(new Uri($"/api/clients/{id}/audit", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_new_callers_card_shows_only_the_number_the_agent_creates_the_client_and_the_next_call_pops_the_full_card()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null, Demo);
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var agent = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "agent1001");
        using var admin = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
        var ani = DemoDataSeeder.UnknownAnis[0];
        var first = await DemoCallAsync(admin, ani, "1001@default");

        var card = await DeskWeb.JsonAsync(await agent.GetAsync(new Uri($"/api/calls/{first}/card", UriKind.Relative)));
        card.GetProperty("newCaller").GetBoolean().Should().BeTrue();
        card.GetProperty("client").ValueKind.Should().Be(JsonValueKind.Null);
        card.GetProperty("call").GetProperty("ani").GetString().Should().Be(ani);
        var created = await agent.PostAsJsonAsync($"/api/calls/{first}/client", new { name = "Нино Капанадзе", company = "Kapanadze LLC", language = "ru" });
        created.StatusCode.Should().Be(HttpStatusCode.OK);
        (await DeskWeb.JsonAsync(created)).GetProperty("phones")[0].GetString().Should().Be(ani);

        var second = await DemoCallAsync(admin, ani, "1001@default");
        var next = await DeskWeb.JsonAsync(await agent.GetAsync(new Uri($"/api/calls/{second}/card", UriKind.Relative)));
        next.GetProperty("newCaller").GetBoolean().Should().BeFalse();
        next.GetProperty("client").GetProperty("name").GetString().Should().Be("Нино Капанадзе");
    }

    [Fact]
    public async Task A_new_caller_found_by_search_gets_the_number_attached_and_a_stale_version_is_refused()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null, Demo);
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var agent = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "agent1001");
        using var admin = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
        var target = await engine.Host.Services.GetRequiredService<IClientStore>().FindByPhoneAsync(DemoDataSeeder.WellKnown.ExistingPhone);
        var uuid = await DemoCallAsync(admin, DemoDataSeeder.UnknownAnis[1], "1001@default");

        var hits = await DeskWeb.JsonAsync(await agent.GetAsync(new Uri("/api/clients/search?q=" + Uri.EscapeDataString(target!.Name[..5]), UriKind.Relative)));
        var hit = hits.EnumerateArray().First(h => h.GetProperty("id").GetGuid() == target.Id);
        (await agent.PostAsJsonAsync($"/api/calls/{uuid}/attach", new { clientId = target.Id, version = hit.GetProperty("version").GetInt32() - 1 }))
            .StatusCode.Should().Be(HttpStatusCode.Conflict);
        var attached = await agent.PostAsJsonAsync($"/api/calls/{uuid}/attach", new { clientId = target.Id, version = hit.GetProperty("version").GetInt32() });

        attached.StatusCode.Should().Be(HttpStatusCode.OK);
        (await engine.Host.Services.GetRequiredService<IClientStore>().FindByPhoneAsync(DemoDataSeeder.UnknownAnis[1]))!.Id.Should().Be(target.Id);
        var card = await DeskWeb.JsonAsync(await agent.GetAsync(new Uri($"/api/calls/{uuid}/card", UriKind.Relative)));
        card.GetProperty("client").GetProperty("id").GetGuid().Should().Be(target.Id);
    }

    [Fact]
    public async Task A_photo_is_checked_for_type_and_size_and_served_back_and_a_card_without_one_gets_the_placeholder()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null, Demo);
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var agent = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "agent1001");
        using var admin = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
        var uuid = await DemoCallAsync(admin, DemoDataSeeder.WellKnown.OverduePhone, "1001@default");
        var id = (await DeskWeb.JsonAsync(await agent.GetAsync(new Uri($"/api/calls/{uuid}/card", UriKind.Relative)))).GetProperty("client").GetProperty("id").GetGuid();

        var placeholder = await agent.GetAsync(new Uri($"/api/clients/{id}/photo", UriKind.Relative));
        placeholder.Content.Headers.ContentType!.MediaType.Should().Be("image/svg+xml");

        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        (await agent.PutAsync(new Uri($"/api/clients/{id}/photo", UriKind.Relative), Bytes(png, "image/jpeg"))).StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        (await agent.PutAsync(new Uri($"/api/clients/{id}/photo", UriKind.Relative), Bytes("<svg/>"u8.ToArray(), "image/svg+xml"))).StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        var huge = new byte[3 * 1024 * 1024];
        png.CopyTo(huge, 0);
        // Refused from its Content-Length before the body is read. The client asks first (Expect: 100-continue), as
        // an API client sending megabytes should: without it the refusal (with Connection: close) can reach a client
        // still writing the body, which then fails on a broken pipe instead of reading the 413.
        using var tooLarge = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/clients/{id}/photo", UriKind.Relative)) { Content = Bytes(huge, "image/png") };
        tooLarge.Headers.ExpectContinue = true;
        (await agent.SendAsync(tooLarge)).StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        var saved = await agent.PutAsync(new Uri($"/api/clients/{id}/photo", UriKind.Relative), Bytes(png, "image/png"));
        saved.StatusCode.Should().Be(HttpStatusCode.OK);
        (await DeskWeb.JsonAsync(saved)).GetProperty("hasPhoto").GetBoolean().Should().BeTrue();

        var served = await agent.GetAsync(new Uri($"/api/clients/{id}/photo", UriKind.Relative));
        served.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        (await served.Content.ReadAsByteArrayAsync()).Should().Equal(png);
    }

    [Fact]
    public async Task A_supervisors_stream_shows_a_call_in_the_IVR_within_seconds_and_drops_it_when_it_hangs_up()
    {
        await using var engine = await EngineUnderTest.StartAsync(new IvrEngine.Simulator.SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) }, null, Demo);
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var supervisor = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "supervisor");
        await using var stream = await DeskStream.OpenAsync(supervisor);
        await stream.WaitAsync(s => s.GetProperty("waiting").GetArrayLength() == 0);
        static bool InIvr(JsonElement state, string uuid) =>
            state.GetProperty("waiting").EnumerateArray().Any(w => w.GetProperty("callUuid").GetString() == uuid && w.GetProperty("where").GetString() == "ivr");

        // No desk change comes with a call entering or leaving the IVR; the heartbeat alone would take 20 s.
        var call = await engine.CallAsync(new IvrEngine.Simulator.CallerScript { Ani = DemoDataSeeder.WellKnown.VipPhone, Dnis = "5999" });
        await call.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
        var (state, _) = await stream.WaitAsync(s => InIvr(s, call.Uuid), TimeSpan.FromSeconds(5));
        state.GetProperty("waiting").EnumerateArray().Single(w => w.GetProperty("callUuid").GetString() == call.Uuid)
            .GetProperty("ani").GetString().Should().Be(DemoDataSeeder.WellKnown.VipPhone);

        await call.HangUpAsync();
        await call.Completion.WaitAsync(EngineUnderTest.Patience);
        await stream.WaitAsync(s => !InIvr(s, call.Uuid), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_open_desk_stream_ends_when_the_engine_stops_instead_of_holding_the_stop()
    {
        var engine = await EngineUnderTest.StartAsync(null, null, Demo);
        await using var disposeEngine = engine;
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var agent = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "agent1001");
        await using var stream = await DeskStream.OpenAsync(agent);
        await stream.WaitAsync(_ => true);

        // The host's own shutdown timeout is 30 s: a stream that held the stop would take that long.
        var stop = engine.Host.StopAsync();

        await stream.Ended.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static ByteArrayContent Bytes(byte[] bytes, string type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new(type);
        return content;
    }

    internal static async Task<string> DemoCallAsync(HttpClient admin, string ani, string agent, string dnis = "5000")
    {
        var response = await admin.PostAsJsonAsync("/api/demo/calls", new { ani, dnis, agent });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await DeskWeb.JsonAsync(response)).GetProperty("callUuid").GetString()!;
    }
}
