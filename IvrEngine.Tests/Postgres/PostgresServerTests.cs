using IvrEngine.Tests.Support;
using Npgsql;

namespace IvrEngine.Tests.Postgres;

public sealed class PostgresServerTests
{
    [PostgresFact]
    public async Task The_fixture_gives_each_test_a_database_of_its_own()
    {
        var first = await PostgresServer.CreateDatabaseAsync();
        var second = await PostgresServer.CreateDatabaseAsync();
        first.Should().NotBe(second);

        await using var connection = new NpgsqlConnection(first);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database(), current_setting('server_version_num')::int", connection);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetString(0).Should().Be(new NpgsqlConnectionStringBuilder(first).Database);
        reader.GetInt32(1).Should().BeGreaterThanOrEqualTo(150000, "PostgreSQL 15 or newer");
    }
}
