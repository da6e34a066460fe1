using Dapper;
using JobTracker.Db;
using JobTracker.Db.Sqlite;
using JobTracker.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace JobTracker.Tests.Db;

/// <summary>The provider chosen from configuration, on a real SQLite file.</summary>
public sealed class DatabaseTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Sqlite")]
    [InlineData("sqlite")]
    public void Sqlite_is_the_default_provider_and_its_name_is_not_case_sensitive(string? name)
    {
        var database = Database.Create(name, null, folder.Path);

        Assert.IsType<SqliteProvider>(database.Provider);
        // The default file, resolved against the base directory rather than the current one.
        Assert.Equal(Path.Combine(folder.Path, "data", "jobtracker.db"), database.Description);
    }

    [Fact]
    public void An_unsupported_provider_is_refused_with_the_setting_and_the_supported_names()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Database.Create("Oracle", null, folder.Path));

        Assert.Equal("JobTracker:Database:Provider is 'Oracle', which this version does not support. Supported: Sqlite, PostgreSql, SqlServer.", refused.Message);
    }

    [Fact]
    public void A_relative_file_resolves_against_the_base_directory_and_migrating_creates_its_folder()
    {
        var database = Database.Create("Sqlite", "Data Source=nested/deeper/jobs.db", folder.Path);

        database.Migrate();

        Assert.True(File.Exists(folder.File("nested/deeper/jobs.db")));
        using var connection = database.Open();
        Assert.Equal("wal", connection.ExecuteScalar<string>("PRAGMA journal_mode"));
        Assert.Equal(16384, connection.ExecuteScalar<long>("PRAGMA page_size"));
    }

    [Theory]
    [InlineData("", 30_000)]
    [InlineData(";Default Timeout=1", 1_000)]
    public void A_connection_waits_for_another_connections_lock_in_SQLite_itself_for_its_default_timeout(string timeout, long busyTimeoutMs)
    {
        var database = Database.Create("Sqlite", folder.SqliteConnectionString + timeout, folder.Path);
        database.Migrate();

        // SQLite's own busy handler retries after 1, 2, 5, 10 ms...; without it Microsoft.Data.Sqlite retries every 150 ms.
        using var connection = database.Open();
        Assert.Equal(busyTimeoutMs, connection.ExecuteScalar<long>("PRAGMA busy_timeout"));
    }

    [Fact]
    public async Task Reading_records_waits_for_another_connections_lock_and_then_reads_them()
    {
        // A file in SQLite's rollback-journal mode, where a writer's EXCLUSIVE lock keeps readers out (in WAL mode,
        // as migrated, nothing a writer does stops a reader starting).
        var database = Database.Create("Sqlite", folder.SqliteConnectionString, folder.Path);
        using (var setup = database.Open())
            setup.Execute("""
                CREATE TABLE records (collection_id INTEGER NOT NULL, record_key TEXT NOT NULL, data TEXT NOT NULL);
                INSERT INTO records VALUES (1, 'a', '{}'), (1, 'b', '{}');
                """);
        var holder = new SqliteConnection(folder.SqliteConnectionString + ";Pooling=False");
        holder.Open();
        holder.Execute("BEGIN EXCLUSIVE");
        var release = Task.Run(async () =>
        {
            await Task.Delay(300);
            holder.Dispose(); // rolls back, releasing the lock
        });

        using var reader = database.Open();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var read = database.Provider.ReadRecords(reader, collectionId: 1, "a", "b", (_, _) => { });
        waited.Stop();
        await release;

        Assert.Equal(2, read);
        Assert.True(waited.ElapsedMilliseconds >= 200, $"the read took {waited.ElapsedMilliseconds} ms: it did not meet the lock");
    }

    [Fact]
    public void Migrations_are_journaled_under_the_names_databases_created_before_the_provider_folders_recorded()
    {
        var database = Database.Create("Sqlite", folder.SqliteConnectionString, folder.Path);
        database.Migrate();

        using var connection = database.Open();
        var journaled = connection.Query<string>("SELECT ScriptName FROM SchemaVersions ORDER BY ScriptName").ToList();
        Assert.Equal(
            ["JobTracker.Db.Migrations.0001_initial.sql", "JobTracker.Db.Migrations.0002_exports_and_schedules.sql", "JobTracker.Db.Migrations.0003_shared_storage.sql",
             "JobTracker.Db.Migrations.0004_sessions_and_users.sql", "JobTracker.Db.Migrations.0005_job_search.sql",
             "JobTracker.Db.Migrations.0006_retry_and_dry_run.sql", "JobTracker.Db.Migrations.0007_records_last_job.sql",
             "JobTracker.Db.Migrations.0008_user_time_zone.sql", "JobTracker.Db.Migrations.0009_column_mapping.sql",
             "JobTracker.Db.Migrations.0010_api_tokens.sql",
             "JobTracker.Db.Migrations.0011_schedule_watch.sql", "JobTracker.Db.Migrations.0012_job_search_covering.sql",
             "JobTracker.Db.Migrations.0013_webhooks.sql", "JobTracker.Db.Migrations.0014_retention.sql",
             "JobTracker.Db.Migrations.0015_activity.sql"],
            journaled);

        // Applying them again (the next start) finds nothing to do.
        database.Migrate();
        Assert.Equal(journaled.Count, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM SchemaVersions"));
    }

    [Fact]
    public void A_unique_key_violation_is_recognised_and_a_foreign_key_violation_is_not()
    {
        var database = Database.Create("Sqlite", folder.SqliteConnectionString, folder.Path);
        database.Migrate();
        using var connection = database.Open();
        var workspaceId = connection.ExecuteScalar<long>("INSERT INTO workspaces (name, created_at) VALUES ('W', @now) RETURNING id", new { now = DateTime.UtcNow });
        const string insertCollection = "INSERT INTO collections (workspace_id, name, schema_json, created_at) VALUES (@workspaceId, 'C', '[]', @now)";
        connection.Execute(insertCollection, new { workspaceId, now = DateTime.UtcNow });

        var duplicate = Record.Exception(() => connection.Execute(insertCollection, new { workspaceId, now = DateTime.UtcNow }));
        var orphan = Record.Exception(() => connection.Execute(insertCollection, new { workspaceId = workspaceId + 1, now = DateTime.UtcNow }));

        Assert.NotNull(duplicate);
        Assert.True(database.Provider.IsUniqueViolation(duplicate));
        Assert.NotNull(orphan);
        Assert.False(database.Provider.IsUniqueViolation(orphan));
        Assert.False(database.Provider.IsUniqueViolation(new InvalidOperationException()));
    }

    [Fact]
    public void A_batch_row_reads_its_row_count_under_the_quoted_alias()
    {
        var database = Database.Create("Sqlite", folder.SqliteConnectionString, folder.Path);
        database.Migrate();
        using var connection = database.Open();
        var now = DateTime.UtcNow;
        var workspaceId = connection.ExecuteScalar<long>("INSERT INTO workspaces (name, created_at) VALUES ('W', @now) RETURNING id", new { now });
        var collectionId = connection.ExecuteScalar<long>(
            "INSERT INTO collections (workspace_id, name, created_at) VALUES (@workspaceId, 'C', @now) RETURNING id", new { workspaceId, now });
        var jobId = connection.ExecuteScalar<long>("""
            INSERT INTO jobs (collection_id, job_type, file_name, status, initiated_by, batch_size, created_at)
            VALUES (@collectionId, 'Import', 'f.csv', 'QUEUED', 'admin', 10, @now) RETURNING id
            """, new { collectionId, now });
        connection.Execute("""
            INSERT INTO batches (job_id, batch_no, status, first_row, row_count, byte_offset, byte_length, first_line)
            VALUES (@jobId, 1, 'QUEUED', 1, 7, 0, 70, 2)
            """, new { jobId });

        var batch = connection.QuerySingle<BatchRow>($"SELECT {BatchRow.Columns} FROM batches WHERE job_id = @jobId", new { jobId });

        Assert.Equal(7, batch.RowCount);
        Assert.Equal(1, batch.BatchNo);
    }
}
