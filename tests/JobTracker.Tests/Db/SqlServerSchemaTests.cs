using Dapper;
using JobTracker.Db;
using JobTracker.Db.SqlServer;
using JobTracker.Tests.Infrastructure;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace JobTracker.Tests.Db;

/// <summary>
/// SQL Server's migrations describe the schema SQLite's do: the same scripts, tables, columns (and
/// whether they take NULL), keys, unique constraints, foreign keys and indexes, and the same names
/// unique ignoring case. SQLite's is read from a migrated file; SQL Server's from its parsed scripts.
/// </summary>
public sealed class SqlServerSchemaTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Every_provider_has_the_same_numbered_scripts()
    {
        Assert.Equal(
            Database.Migrations(DatabaseProvider.Named("Sqlite")).Select(s => s.Name),
            Database.Migrations(new SqlServerProvider()).Select(s => s.Name));
    }

    [Fact]
    public void SQL_Servers_migrations_build_the_schema_SQLites_build()
    {
        var sqlite = SqliteSchema();
        var sqlServer = SqlServerSchema();

        Assert.Contains("records: unique (collection_id, record_key)", sqlite);
        Assert.Contains("users.user_name NOT NULL ignoring case", sqlite);
        Assert.True(sqlite.SequenceEqual(sqlServer),
            $"Only SQLite's has:\n{string.Join("\n", sqlite.Except(sqlServer))}\nOnly SQL Server's has:\n{string.Join("\n", sqlServer.Except(sqlite))}");
    }

    private List<string> SqliteSchema()
    {
        var database = Database.Create("Sqlite", folder.SqliteConnectionString, folder.Path);
        database.Migrate();
        using var connection = database.Open();
        var schema = new List<string>();
        var tables = connection.Query<string>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> 'SchemaVersions'").AsList();
        foreach (var table in tables)
        {
            var columns = connection.Query<(long Cid, string Name, string Type, long NotNull, string? Default, long Pk)>($"PRAGMA table_info({table})").AsList();
            var noCase = new HashSet<string>();
            foreach (var (name, unique, origin, partial) in connection.Query<(string, long, string, long)>(
                         $"SELECT name, [unique], origin, partial FROM pragma_index_list('{table}')"))
            {
                var keyColumns = connection.Query<(string Name, string Coll)>(
                    $"SELECT name, coll FROM pragma_index_xinfo('{name}') WHERE key = 1 ORDER BY seqno").AsList();
                noCase.UnionWith(keyColumns.Where(c => c.Coll == "NOCASE").Select(c => c.Name));
                var list = string.Join(", ", keyColumns.Select(c => c.Name));
                if (origin == "u") schema.Add($"{table}: unique ({list})");
                else if (origin == "c") schema.Add($"{table}: {(unique == 1 ? "unique " : "")}index {name} ({list}){(partial == 1 ? " filtered" : "")}");
            }
            schema.Add($"{table}: primary key ({string.Join(", ", columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => c.Name))})");
            schema.AddRange(columns.Select(c =>
                $"{table}.{c.Name} {(c.NotNull == 1 || c.Pk > 0 ? "NOT NULL" : "NULL")}{(noCase.Contains(c.Name) ? " ignoring case" : "")}"));
            schema.AddRange(connection.Query<(string Table, string From, string To)>($"SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('{table}')")
                .Select(fk => $"{table}.{fk.From} references {fk.Table} ({fk.To})"));
        }
        return schema.Order(StringComparer.Ordinal).ToList();
    }

    private static List<string> SqlServerSchema()
    {
        var schema = new List<string>();
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        foreach (var script in Database.Migrations(new SqlServerProvider()))
        {
            var parsed = (TSqlScript)parser.Parse(new StringReader(script.Contents), out var errors);
            Assert.Empty(errors);
            foreach (var statement in parsed.Batches.SelectMany(b => b.Statements))
            {
                switch (statement)
                {
                    case CreateTableStatement create:
                        Describe(create.SchemaObjectName.BaseIdentifier.Value, create.Definition, schema);
                        break;
                    case AlterTableAddTableElementStatement alter:
                        Describe(alter.SchemaObjectName.BaseIdentifier.Value, alter.Definition, schema);
                        break;
                    case CreateIndexStatement index:
                        // Included columns count as the index's last columns: SQLite has no INCLUDE, and puts them in the key.
                        var included = string.Concat(index.IncludeColumns.Select(c => ", " + c.MultiPartIdentifier.Identifiers[^1].Value));
                        schema.Add($"{index.OnName.BaseIdentifier.Value}: {(index.Unique ? "unique " : "")}index {index.Name.Value} " +
                                   $"({Columns(index.Columns)}{included}){(index.FilterPredicate is null ? "" : " filtered")}");
                        break;
                    case DropIndexStatement drop:
                        foreach (var clause in drop.DropIndexClauses.OfType<DropIndexClause>())
                            schema.RemoveAll(s => s.StartsWith($"{clause.Object.BaseIdentifier.Value}: ", StringComparison.Ordinal) &&
                                                  (s.Contains($" index {clause.Index.Value} (", StringComparison.Ordinal)));
                        break;
                }
            }
        }
        return schema.Order(StringComparer.Ordinal).ToList();
    }

    private static void Describe(string table, TableDefinition definition, List<string> schema)
    {
        var primaryKey = definition.TableConstraints.OfType<UniqueConstraintDefinition>().Where(u => u.IsPrimaryKey)
            .SelectMany(u => u.Columns).Select(c => c.Column.MultiPartIdentifier.Identifiers[^1].Value).ToHashSet();
        foreach (var column in definition.ColumnDefinitions)
        {
            var name = column.ColumnIdentifier.Value;
            var notNull = primaryKey.Contains(name);
            foreach (var constraint in column.Constraints)
            {
                switch (constraint)
                {
                    case NullableConstraintDefinition nullable:
                        notNull |= !nullable.Nullable;
                        break;
                    case UniqueConstraintDefinition { IsPrimaryKey: true }:
                        notNull = true;
                        schema.Add($"{table}: primary key ({name})");
                        break;
                    case UniqueConstraintDefinition:
                        schema.Add($"{table}: unique ({name})");
                        break;
                    case ForeignKeyConstraintDefinition foreignKey:
                        schema.Add($"{table}.{name} references {foreignKey.ReferenceTableName.BaseIdentifier.Value} ({foreignKey.ReferencedTableColumns[0].Value})");
                        break;
                }
            }
            var ignoringCase = column.Collation?.Value.Contains("_CI_", StringComparison.Ordinal) == true;
            schema.Add($"{table}.{name} {(notNull ? "NOT NULL" : "NULL")}{(ignoringCase ? " ignoring case" : "")}");
        }
        foreach (var constraint in definition.TableConstraints)
        {
            switch (constraint)
            {
                case UniqueConstraintDefinition unique:
                    schema.Add($"{table}: {(unique.IsPrimaryKey ? "primary key" : "unique")} ({Columns(unique.Columns)})");
                    break;
                case ForeignKeyConstraintDefinition foreignKey:
                    schema.Add($"{table}.{foreignKey.Columns[0].Value} references {foreignKey.ReferenceTableName.BaseIdentifier.Value} ({foreignKey.ReferencedTableColumns[0].Value})");
                    break;
            }
        }
    }

    private static string Columns(IEnumerable<ColumnWithSortOrder> columns) =>
        string.Join(", ", columns.Select(c => c.Column.MultiPartIdentifier.Identifiers[^1].Value));
}
