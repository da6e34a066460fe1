using System.Buffers;
using System.Data;
using System.Data.Common;
using System.Text;
using DbUp;
using DbUp.Builder;
using DbUp.Engine.Output;
using Npgsql;

namespace JobTracker.Db.PostgreSql;

/// <summary>
/// PostgreSQL through Npgsql: several nodes on one server. Jobs are claimed with FOR UPDATE SKIP
/// LOCKED, so nodes never wait on each other or take the same job; imports write each batch with
/// one set-based upsert of the batch sent as arrays (<see cref="PostgreSqlRecordWriter"/>).
/// </summary>
public sealed class PostgreSqlProvider : DatabaseProvider
{
    public const string ProviderName = "PostgreSql";

    public override string Name => ProviderName;

    public override string DefaultConnectionString => "Host=localhost;Database=jobtracker";

    public override string PrepareConnectionString(string connectionString, string baseDirectory) =>
        new NpgsqlConnectionStringBuilder(connectionString).ConnectionString;

    public override string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var schema = string.IsNullOrEmpty(builder.SearchPath) ? "" : $" (schema {builder.SearchPath})";
        return $"{builder.Host}:{builder.Port}/{builder.Database}{schema}";
    }

    public override DbConnection CreateConnection(string connectionString) => new NpgsqlConnection(connectionString);

    public override void OnOpen(DbConnection connection)
    {
    }

    /// <summary>
    /// Creates the database when the server does not have it yet, and the schema a Search Path names.
    /// Nodes starting at once may race to create them: losing that race is fine.
    /// </summary>
    public override void PrepareDatabase(Database database)
    {
        try
        {
            EnsureDatabase.For.PostgresqlDatabase(database.ConnectionString, new NoOpUpgradeLog()); // its log would print the connection string, password and all
        }
        catch (PostgresException created) when (created.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
        }
        var schema = new NpgsqlConnectionStringBuilder(database.ConnectionString).SearchPath?.Split(',')[0].Trim();
        if (string.IsNullOrEmpty(schema)) return;
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE SCHEMA IF NOT EXISTS \"{schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
        try
        {
            command.ExecuteNonQuery();
        }
        catch (PostgresException created) when (created.SqlState is PostgresErrorCodes.DuplicateSchema or PostgresErrorCodes.UniqueViolation)
        {
        }
    }

    /// <summary>A session advisory lock, held on a connection of its own until disposed.</summary>
    public override IDisposable LockMigrations(Database database)
    {
        var connection = (NpgsqlConnection)database.Open();
        using (var command = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection) { CommandTimeout = 0 })
        {
            command.Parameters.AddWithValue("key", MigrationLockKey);
            command.ExecuteNonQuery();
        }
        return new MigrationLock(connection);
    }

    /// <summary>Unlocks explicitly: a pooled connection's session outlives its Dispose.</summary>
    private sealed class MigrationLock(NpgsqlConnection connection) : IDisposable
    {
        public void Dispose()
        {
            using (var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection))
            {
                command.Parameters.AddWithValue("key", MigrationLockKey);
                command.ExecuteNonQuery();
            }
            connection.Dispose();
        }
    }

    /// <summary>Any fixed number: the lock every JobTracker node takes before migrating.</summary>
    private const long MigrationLockKey = 0x4A6F62547261636B; // "JobTrack"

    public override UpgradeEngineBuilder MigrationTarget(string connectionString) =>
        DeployChanges.To.PostgresqlDatabase(connectionString);

    public override bool IsUniqueViolation(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <remarks>
    /// By SQLSTATE: connection exceptions (class 08); serialization failure (40001) and deadlock (40P01);
    /// lock not available (55P03, e.g. lock_timeout) and object in use (55006); a statement canceled by
    /// statement_timeout (57014 - a cancellation of our own arrives as an OperationCanceledException instead);
    /// the server shutting down or starting (57P01-57P03); insufficient resources (class 53: connections,
    /// memory, disk full); system and I/O errors (58000, 58030). Without a SQLSTATE, what Npgsql itself
    /// calls transient: a broken socket or a timeout.
    /// </remarks>
    protected override string? DescribeTransient(Exception exception) => exception switch
    {
        PostgresException { SqlState: var state } => TransientFault(state),
        NpgsqlException { IsTransient: true, InnerException: TimeoutException } => "database statements kept timing out",
        NpgsqlException { IsTransient: true } => "the connection to the database server kept failing",
        _ => null,
    };

    /// <summary>The words for a SQLSTATE that may clear by itself (see <see cref="DescribeTransient"/>), or null.</summary>
    public static string? TransientFault(string sqlState) => sqlState switch
    {
        PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected => "transactions kept conflicting (deadlock or serialization failure)",
        PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.ObjectInUse => "the database stayed busy (locked by another session)",
        PostgresErrorCodes.QueryCanceled => "database statements kept timing out",
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow => "the database server was restarting",
        PostgresErrorCodes.DiskFull => "the database server's disk was full",
        PostgresErrorCodes.SystemError or PostgresErrorCodes.IoError => "the database server had an I/O error",
        _ when sqlState.StartsWith("53", StringComparison.Ordinal) => "the database server was short of resources (connections or memory)",
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => "the connection to the database server kept failing",
        _ => null,
    };

    /// <remarks>
    /// The inner SELECT locks the job it picks and skips jobs other nodes are claiming right now; a
    /// job whose lease another node took meanwhile no longer matches and is passed over.
    /// </remarks>
    public override string ClaimNextJob => """
        UPDATE jobs
           SET lease_owner = @Owner,
               lease_until = @Until,
               status      = CASE WHEN status = 'QUEUED' THEN 'IN PROGRESS' ELSE status END
         WHERE id = (SELECT j.id
                       FROM jobs j
                      WHERE j.finished_at IS NULL
                        AND (j.lease_owner IS NULL OR j.lease_until < @Now)
                        AND NOT EXISTS (SELECT 1 FROM jobs e
                                         WHERE e.collection_id = j.collection_id
                                           AND e.finished_at IS NULL
                                           AND e.id < j.id)
                      ORDER BY j.id
                      LIMIT 1
                        FOR UPDATE SKIP LOCKED)
           AND (lease_owner IS NULL OR lease_until < @Now)
        RETURNING id
        """;

    public override RecordWriter CreateRecordWriter(DbConnection connection, long collectionId, long jobId) =>
        new PostgreSqlRecordWriter((NpgsqlConnection)connection, collectionId, jobId);

    /// <remarks>One streamed read; each key and JSON is encoded to UTF-8 into one reused buffer.</remarks>
    public override int ReadRecords(DbConnection connection, long collectionId, string firstKey, string lastKey, RecordVisitor visit)
    {
        using var command = new NpgsqlCommand("""
            SELECT record_key, data FROM records
             WHERE collection_id = @collectionId AND record_key >= @firstKey AND record_key <= @lastKey
             ORDER BY record_key
            """, (NpgsqlConnection)connection);
        command.Parameters.AddWithValue("collectionId", collectionId);
        command.Parameters.AddWithValue("firstKey", firstKey);
        command.Parameters.AddWithValue("lastKey", lastKey);
        using var reader = command.ExecuteReader(CommandBehavior.SequentialAccess);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var count = 0;
            while (reader.Read())
            {
                var key = reader.GetString(0);
                var data = reader.GetString(1);
                var needed = Encoding.UTF8.GetMaxByteCount(key.Length + data.Length);
                if (needed > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(needed);
                }
                var keyLength = Encoding.UTF8.GetBytes(key, buffer);
                var dataLength = Encoding.UTF8.GetBytes(data, buffer.AsSpan(keyLength));
                visit(buffer.AsSpan(0, keyLength), buffer.AsSpan(keyLength, dataLength));
                count++;
            }
            return count;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
