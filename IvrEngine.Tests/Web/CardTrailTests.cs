using IvrEngine.Profiles;
using IvrEngine.Tests.Browser;
using IvrEngine.Tests.Profiles;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.Web;

/// <summary>The card shows what the IVR did from the moment the caller is handed on, not only once the call's record
/// is written (after the IVR is done: a queue can offer the call before that, as a loaded CI run showed with a card
/// whose path was only the last step).</summary>
public sealed class CardTrailTests
{
    [Fact]
    public async Task A_queued_calls_card_shows_the_IVRs_path_and_entries_while_its_record_is_not_yet_written()
    {
        var records = new HeldRecords();
        await using var lab = await RealDesk.StartAsync(records.Install, RealDesk.ShippedFlows);
        records.Arm(); // the demo data's records went through at the start
        using var released = records.ReleaseAtEnd();
        using var supervisor = await DeskWeb.SignInAsync(DeskWeb.Base(lab.Engine), "supervisor");

        // A new caller who chose to identify by account and keyed an unknown one three times: general queue.
        var call = await lab.QueuedCallAsync(DemoDataSeeder.UnknownAnis[1], "2", "55555#", "55555#", "55555#");
        var held = await records.Arrived.Task.WaitAsync(EngineUnderTestPatience);
        held.CallUuid.Should().Be(call.Uuid, "the call's record is on its way to the store and held there");
        (await lab.Services.GetRequiredService<IDeskStore>().FindInteractionAsync(call.Uuid)).Should().BeNull("the record is not written yet");

        var card = await DeskWeb.JsonAsync(await supervisor.GetAsync(new Uri($"/api/calls/{call.Uuid}/card", UriKind.Relative)));
        var ivr = card.GetProperty("ivr");
        var path = ivr.GetProperty("path").EnumerateArray().Select(s => s.GetString()).ToList();
        path.Should().Contain("bank/welcome").And.HaveCountGreaterThan(2).And.Equal(held.Steps, "the path the record will have");
        ivr.GetProperty("keyed").GetProperty("account_status").GetString().Should().Be("invalid");

        await call.HangUpAsync();
    }

    private static TimeSpan EngineUnderTestPatience => EndToEnd.EngineUnderTest.Patience;

    /// <summary>Stands in for the engine's store and, once armed, holds every call record until released (everything
    /// else goes through to the real store).</summary>
    private sealed class HeldRecords
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _armed;

        public TaskCompletionSource<InteractionRecord> Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Arm() => _armed = true;

        /// <summary>Lets the held records through when disposed (the engine's stop waits for its calls' records).</summary>
        public Releaser ReleaseAtEnd() => new Releaser(_released);

        public void Install(IServiceCollection services)
        {
            var original = services.Last(d => d.ServiceType == typeof(IClientStore));
            services.Remove(original);
            services.AddSingleton<IClientStore>(sp =>
            {
                var inner = original.ImplementationFactory?.Invoke(sp) ?? original.ImplementationInstance
                    ?? throw new InvalidOperationException("the store is registered by a factory or an instance");
                return StoreStandIn.Over(inner, (method, args, forward) =>
                    method.Name == nameof(IClientStore.AddInteractionAsync) && args[0] is InteractionRecord record
                        ? HoldAsync(record, () => (Task)forward()!)
                        : forward());
            });
        }

        internal async Task HoldAsync(InteractionRecord record, Func<Task> write)
        {
            if (!_armed)
            {
                await write();
                return;
            }

            Arrived.TrySetResult(record);
            await _released.Task;
            await write();
        }
    }

    private sealed class Releaser(TaskCompletionSource released) : IDisposable
    {
        public void Dispose() => released.TrySetResult();
    }
}
