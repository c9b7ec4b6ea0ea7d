using IvrEngine.Profiles.Postgres;
using IvrEngine.Tests.Support;
using Npgsql;

namespace IvrEngine.Tests.Postgres;

public sealed class MigrationTests
{
    private static readonly IReadOnlyList<PostgresMigration> s_two = PostgresMigrations.Parse(
    [
        ("V001__first.sql", "CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a VALUES (1);"),
        ("V002__second.sql", "CREATE TABLE b (id int PRIMARY KEY); INSERT INTO b SELECT id FROM a;"),
    ]);

    [Fact]
    public void Scripts_are_ordered_by_version_and_a_bad_name_or_a_repeated_version_is_refused()
    {
        var scripts = PostgresMigrations.Parse([("V010__later.sql", "SELECT 1"), ("V002__earlier_one.sql", "SELECT 2")]);
        scripts.Select(s => s.Version).Should().Equal(2, 10);
        scripts[0].Description.Should().Be("earlier one");
        FluentActions.Invoking(() => PostgresMigrations.Parse([("V1_bad.sql", "")])).Should().Throw<InvalidOperationException>();
        FluentActions.Invoking(() => PostgresMigrations.Parse([("V001__a.sql", ""), ("V1__b.sql", "")])).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void The_engine_knows_its_own_scripts_in_order()
    {
        PostgresMigrations.Known.Select(s => s.Version).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        PostgresMigrations.LatestVersion.Should().Be(PostgresMigrations.Known.Count == 0 ? 0 : PostgresMigrations.Known[^1].Version);
    }

    [PostgresFact]
    public async Task Engines_starting_at_once_apply_each_script_once()
    {
        await using var data = NpgsqlDataSource.Create(await PostgresServer.CreateDatabaseAsync());
        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => PostgresMigrations.MigrateAsync(data, $"engine-{i}", s_two))));

        runs.Sum(r => r.Count).Should().Be(2, "one engine applied both, the others found them applied");
        runs.Count(r => r.Count == 2).Should().Be(1);
        (await ScalarAsync(data, "SELECT count(*) FROM b")).Should().Be(1L);
        (await PostgresMigrations.PendingAsync(data, s_two)).Should().BeEmpty();
    }

    [PostgresFact]
    public async Task A_failing_script_leaves_the_database_as_it_was()
    {
        await using var data = NpgsqlDataSource.Create(await PostgresServer.CreateDatabaseAsync());
        var broken = PostgresMigrations.Parse([("V001__first.sql", s_two[0].Sql), ("V002__broken.sql", "CREATE TABLE c (id int); SELECT * FROM no_such_table;")]);

        var act = () => PostgresMigrations.MigrateAsync(data, "engine", broken);

        (await act.Should().ThrowAsync<PostgresMigrationException>()).Which.Message.Should().Contain("V002").And.Contain("broken").And.Contain("no_such_table");
        (await ScalarAsync(data, "SELECT to_regclass('a') IS NULL AND to_regclass('c') IS NULL")).Should().Be(true, "V001 was rolled back with V002");
        (await PostgresMigrations.PendingAsync(data, broken)).Should().HaveCount(2);
    }

    [PostgresFact]
    public async Task A_changed_applied_script_or_a_newer_database_is_refused()
    {
        await using var data = NpgsqlDataSource.Create(await PostgresServer.CreateDatabaseAsync());
        await PostgresMigrations.MigrateAsync(data, "engine", s_two);

        var changed = PostgresMigrations.Parse([("V001__first.sql", s_two[0].Sql + " -- edited"), ("V002__second.sql", s_two[1].Sql)]);
        (await FluentActions.Invoking(() => PostgresMigrations.MigrateAsync(data, "engine", changed)).Should().ThrowAsync<PostgresMigrationException>())
            .Which.Message.Should().Contain("V001").And.Contain("changed after it was applied");

        var older = PostgresMigrations.Parse([("V001__first.sql", s_two[0].Sql)]);
        (await FluentActions.Invoking(() => PostgresMigrations.PendingAsync(data, older)).Should().ThrowAsync<PostgresMigrationException>())
            .Which.Message.Should().Contain("version 2").And.Contain("newer than this engine's 1");
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }
}
