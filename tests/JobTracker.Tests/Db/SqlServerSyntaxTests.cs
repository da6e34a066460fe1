using JobTracker.Db;
using JobTracker.Db.SqlServer;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace JobTracker.Tests.Db;

/// <summary>
/// No SQL Server runs here, so every script and statement the SqlServer provider sends is parsed with
/// Microsoft's own T-SQL parser instead, as SQL Server 2016 (the oldest the provider supports) and
/// 2022 read it. This checks the syntax, not names, types or plans.
/// </summary>
public sealed class SqlServerSyntaxTests
{
    private static readonly SqlServerProvider Provider = new();

    /// <summary>What the provider hands to SQL Server, by name: its migrations, then its statements.</summary>
    public static IEnumerable<(string Name, string Sql)> Statements()
    {
        foreach (var script in Database.Migrations(Provider))
            yield return (script.Name, script.Contents);
        yield return (nameof(Provider.ClaimNextJob), Provider.ClaimNextJob);
        yield return (nameof(Provider.InsertExportJob), Provider.InsertExportJob);
        yield return (nameof(Provider.InsertReturningId), Provider.InsertReturningId(
            "collections", "workspace_id, name, key_field, schema_json, created_at", "@workspaceId, @name, @keyField, @schemaJson, @Now"));
        yield return (nameof(Provider.Paging), $"SELECT batch_no FROM batches WHERE job_id = @id ORDER BY batch_no {Provider.Paging}");
        yield return (nameof(Provider.Paging) + " in a subquery", $"""
            SELECT id FROM jobs
             WHERE id IN (SELECT id FROM jobs WHERE collection_id = @id ORDER BY id DESC {Provider.Paging})
             ORDER BY id DESC
            """);
        yield return (nameof(SqlServerProvider.SelectRecords), SqlServerProvider.SelectRecords);
        // The shared row types' column lists run on every provider.
        yield return (nameof(JobRow) + "." + nameof(JobRow.Columns), $"SELECT {JobRow.Columns} FROM jobs");
        yield return (nameof(BatchRow) + "." + nameof(BatchRow.Columns), $"SELECT {BatchRow.Columns} FROM batches");
        yield return (nameof(ScheduleRow) + "." + nameof(ScheduleRow.Columns), $"SELECT {ScheduleRow.Columns} FROM export_schedules");
        yield return (nameof(SqlServerRecordWriter.PrepareStaging), SqlServerRecordWriter.PrepareStaging);
        yield return (nameof(SqlServerRecordWriter.Upsert), SqlServerRecordWriter.Upsert);
        yield return (nameof(SqlServerProvider.MigrationLock), SqlServerProvider.MigrationLock);
        yield return (nameof(SqlServerProvider.MigrationUnlock), SqlServerProvider.MigrationUnlock);
    }

    [Fact]
    public void Every_migration_and_statement_of_the_provider_parses_as_T_SQL_of_SQL_Server_2016_and_2022()
    {
        var problems = new List<string>();
        foreach (var parser in new TSqlParser[] { new TSql130Parser(initialQuotedIdentifiers: true), new TSql160Parser(initialQuotedIdentifiers: true) })
        {
            foreach (var (name, sql) in Statements())
            {
                using var reader = new StringReader(sql);
                var script = (TSqlScript)parser.Parse(reader, out var errors);
                problems.AddRange(errors.Select(e => $"{parser.GetType().Name}: {name}, line {e.Line}, column {e.Column}: {e.Message}"));
                if (errors.Count == 0 && script.Batches.Sum(b => b.Statements.Count) == 0)
                    problems.Add($"{parser.GetType().Name}: {name} has no statement");
            }
        }

        Assert.True(problems.Count == 0, "T-SQL that SQL Server would refuse:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_parse_check_catches_a_broken_statement()
    {
        var broken = Provider.ClaimNextJob.Replace("ORDER BY j.id)", "ORDER j.id)", StringComparison.Ordinal);
        Assert.NotEqual(Provider.ClaimNextJob, broken);

        new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(broken), out var errors);

        Assert.NotEmpty(errors);
    }
}
