using System.Buffers;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using DbUp;
using DbUp.Builder;
using DbUp.Engine.Output;
using Microsoft.Data.SqlClient;

namespace JobTracker.Db.SqlServer;

/// <summary>
/// SQL Server 2016 or later, through Microsoft.Data.SqlClient. Processes sharing the database never
/// wait on each other to claim a job (READPAST) and agree on one job per schedule fire (UPDLOCK,
/// HOLDLOCK); the import writes a batch with one bulk copy and one upsert (<see cref="SqlServerRecordWriter"/>).
/// Record data is varbinary: the UTF-8 JSON the import builds and the export writes, never decoded.
/// </summary>
public sealed class SqlServerProvider : DatabaseProvider
{
    public const string ProviderName = "SqlServer";

    /// <summary>records.record_key is nvarchar(800): the unique index on it has 1,700 bytes.</summary>
    internal const int MaxKeyLength = 800;

    /// <summary>
    /// Whether .NET runs without culture data, in which Microsoft.Data.SqlClient refuses to connect (it
    /// maps SQL Server's collations to encodings through them). Probed as SqlClient does.
    /// </summary>
    internal static readonly bool GlobalizationInvariant = ProbeGlobalizationInvariant();

    public override string Name => ProviderName;

    /// <summary>A local server; credentials and encryption are the operator's to give.</summary>
    public override string DefaultConnectionString => "Server=localhost;Database=JobTracker";

    /// <summary>
    /// Kept as given (a server has no relative paths, and its security settings are the operator's),
    /// once it parses and names a database.
    /// </summary>
    public override string PrepareConnectionString(string connectionString, string baseDirectory)
    {
        if (string.IsNullOrWhiteSpace(new SqlConnectionStringBuilder(connectionString).InitialCatalog))
            throw new InvalidOperationException("ConnectionStrings:JobTracker names no database for SqlServer: add Database=... (it is created when missing).");
        return connectionString;
    }

    /// <summary>server/database, without the credentials.</summary>
    public override string Describe(string connectionString)
    {
        var builder = new SqlConnectionStringBuilder(connectionString);
        return $"{builder.DataSource}/{builder.InitialCatalog}";
    }

    public override DbConnection CreateConnection(string connectionString)
    {
        RequireCultureData();
        return new SqlConnection(connectionString);
    }

    /// <remarks>
    /// Nothing to set: SqlClient's session defaults (ANSI_NULLS, ANSI_WARNINGS, QUOTED_IDENTIFIER on)
    /// are the ones filtered indexes need, and XACT_ABORT stays off so that a failed statement (a
    /// unique violation) leaves its transaction usable, as on SQLite.
    /// </remarks>
    public override void OnOpen(DbConnection connection)
    {
    }

    /// <summary>Creates the database when the server has none of that name, so a fresh server works.</summary>
    public override void PrepareDatabase(Database database)
    {
        RequireCultureData();
        EnsureDatabase.For.SqlDatabase(database.ConnectionString, new NoOpUpgradeLog());
    }

    /// <summary>An exclusive application lock owned by a session of its own, released when disposed.</summary>
    public override IDisposable LockMigrations(Database database)
    {
        var connection = (SqlConnection)database.Open();
        using (var command = new SqlCommand(MigrationLock, connection))
        {
            command.CommandTimeout = 0;
            command.ExecuteNonQuery();
        }
        return new MigrationLockHolder(connection);
    }

    /// <summary>Releases explicitly: a pooled connection's session outlives its Dispose.</summary>
    private sealed class MigrationLockHolder(SqlConnection connection) : IDisposable
    {
        public void Dispose()
        {
            using (var command = new SqlCommand(MigrationUnlock, connection))
                command.ExecuteNonQuery();
            connection.Dispose();
        }
    }

    internal const string MigrationUnlock = "EXEC sp_releaseapplock @Resource = N'JobTracker.Migrations', @LockOwner = N'Session';";

    internal const string MigrationLock = """
        DECLARE @result int;
        EXEC @result = sp_getapplock @Resource = N'JobTracker.Migrations', @LockMode = N'Exclusive', @LockOwner = N'Session', @LockTimeout = -1;
        IF @result < 0 THROW 51000, N'The migration lock of JobTracker could not be taken.', 1;
        """;

    public override UpgradeEngineBuilder MigrationTarget(string connectionString) =>
        DeployChanges.To.SqlDatabase(connectionString);

    /// <remarks>2627: a PRIMARY KEY or UNIQUE constraint; 2601: a unique index.</remarks>
    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqlException { Number: 2601 or 2627 };

    /// <remarks>Any of the exception's errors with a number that <see cref="TransientFault(int)"/> knows.</remarks>
    protected override string? DescribeTransient(Exception exception) =>
        exception is SqlException sql
            ? sql.Errors.Cast<SqlError>().Select(error => TransientFault(error.Number)).FirstOrDefault(words => words is not null)
              ?? TransientFault(sql.Number)
            : null;

    /// <summary>
    /// The words for a SQL Server error number that may clear by itself, or null: deadlock victim (1205),
    /// lock timeout (1222, 1204), command timeout (-2), Azure SQL throttling (40501, 10928, 10929, 49918-49920),
    /// a database unavailable during failover or restart (4060, 4221, 40143, 40197, 40540, 40613, 42108,
    /// 42109), and a broken or unreachable connection (20, 64, 121, 233, 10053, 10054, 10060).
    /// </summary>
    public static string? TransientFault(int number) => number switch
    {
        1205 => "transactions kept deadlocking",
        1204 or 1222 => "the database stayed busy (locked by another session)",
        -2 => "database statements kept timing out",
        40501 or 10928 or 10929 or 49918 or 49919 or 49920 => "the database server stayed too busy (throttling)",
        4060 or 4221 or 40143 or 40197 or 40540 or 40613 or 42108 or 42109 => "the database stayed unavailable (failover or restart)",
        20 or 64 or 121 or 233 or 10053 or 10054 or 10060 => "the connection to the database server kept failing",
        _ => null,
    };

    public override string Paging => "OFFSET @Skip ROWS FETCH NEXT @Take ROWS ONLY";

    public override string InsertReturningId(string table, string columns, string values) =>
        $"INSERT INTO {table} ({columns}) OUTPUT INSERTED.id VALUES ({values})";

    /// <remarks>
    /// The candidate is read with UPDLOCK and READPAST: a job another node is claiming (or writing) is
    /// stepped over instead of waited for, and the job found stays locked until this update, so two
    /// nodes never take the same one. The jobs ahead in its collection's queue are read without
    /// READPAST: a job skipped because another transaction holds it still comes first.
    /// </remarks>
    public override string ClaimNextJob => """
        WITH next_job AS (
            SELECT TOP (1) j.id, j.status, j.started_at, j.lease_owner, j.lease_until
              FROM jobs j WITH (UPDLOCK, READPAST, ROWLOCK)
             WHERE j.finished_at IS NULL
               AND (j.lease_owner IS NULL OR j.lease_until < @Now)
               AND NOT EXISTS (SELECT 1 FROM jobs e
                                WHERE e.collection_id = j.collection_id
                                  AND e.finished_at IS NULL
                                  AND e.id < j.id)
             ORDER BY j.id)
        UPDATE next_job
           SET lease_owner = @Owner,
               lease_until = @Until,
               status      = CASE WHEN status = 'QUEUED' THEN 'IN PROGRESS' ELSE status END
        OUTPUT INSERTED.id;
        """;

    /// <remarks>
    /// UPDLOCK, HOLDLOCK lock the (schedule_id, scheduled_for) key, present or not, until the insert
    /// is done: a second node firing the same schedule at once waits, then finds the job and inserts
    /// nothing. A manual export (no schedule) matches no row and is always inserted.
    /// </remarks>
    public override string InsertExportJob => """
        INSERT INTO jobs (collection_id, job_type, file_name, export_name, status, note, initiated_by,
                          batch_size, created_at, schedule_id, scheduled_for)
        OUTPUT INSERTED.id
        SELECT @collectionId, 'Export', @exportName, @exportName, @Queued, @note, @initiatedBy,
               @recordsPerFile, @now, @scheduleId, @scheduledFor
         WHERE NOT EXISTS (SELECT 1 FROM jobs WITH (UPDLOCK, HOLDLOCK)
                            WHERE schedule_id = @scheduleId AND scheduled_for = @scheduledFor);
        """;

    public override RecordWriter CreateRecordWriter(DbConnection connection, long collectionId, long jobId) =>
        new SqlServerRecordWriter((SqlConnection)connection, collectionId, jobId);

    internal const string SelectRecords = """
        SELECT record_key, data FROM records
         WHERE collection_id = @collectionId AND record_key >= @firstKey AND record_key <= @lastKey
         ORDER BY record_key;
        """;

    /// <remarks>
    /// Read with SequentialAccess into pooled buffers: each JSON arrives as the UTF-8 bytes stored, and
    /// each key (nvarchar) is encoded into a reused buffer, so no record costs a string.
    /// </remarks>
    public override int ReadRecords(DbConnection connection, long collectionId, string firstKey, string lastKey, RecordVisitor visit)
    {
        using var command = new SqlCommand(SelectRecords, (SqlConnection)connection);
        command.Parameters.Add("@collectionId", SqlDbType.BigInt).Value = collectionId;
        command.Parameters.Add("@firstKey", SqlDbType.NVarChar, MaxKeyLength).Value = firstKey;
        command.Parameters.Add("@lastKey", SqlDbType.NVarChar, MaxKeyLength).Value = lastKey;
        var keyChars = ArrayPool<char>.Shared.Rent(MaxKeyLength);
        var keyBytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(MaxKeyLength));
        var data = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var reader = command.ExecuteReader(CommandBehavior.SequentialAccess);
            try
            {
                var count = 0;
                while (reader.Read())
                {
                    var keyLength = ReadAll(reader, 0, ref keyChars, static (r, i, at, buffer, offset, length) => r.GetChars(i, at, buffer, offset, length));
                    if (keyBytes.Length < Encoding.UTF8.GetMaxByteCount(keyLength))
                        Grow(ref keyBytes, 0, Encoding.UTF8.GetMaxByteCount(keyLength));
                    var keyByteCount = Encoding.UTF8.GetBytes(keyChars.AsSpan(0, keyLength), keyBytes);
                    var dataLength = ReadAll(reader, 1, ref data, static (r, i, at, buffer, offset, length) => r.GetBytes(i, at, buffer, offset, length));
                    visit(keyBytes.AsSpan(0, keyByteCount), data.AsSpan(0, dataLength));
                    count++;
                }
                return count;
            }
            catch
            {
                // Otherwise disposing the reader would first read the rest of the range.
                command.Cancel();
                throw;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(keyChars);
            ArrayPool<byte>.Shared.Return(keyBytes);
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    private delegate long ReadChunk<T>(SqlDataReader reader, int ordinal, long at, T[] buffer, int offset, int length);

    /// <summary>Reads a column's whole value into <paramref name="buffer"/>, growing it (pooled) as needed; returns its length.</summary>
    private static int ReadAll<T>(SqlDataReader reader, int ordinal, ref T[] buffer, ReadChunk<T> read)
    {
        var length = 0;
        while (true)
        {
            if (length == buffer.Length) Grow(ref buffer, length, buffer.Length * 2);
            var chunk = (int)read(reader, ordinal, length, buffer, length, buffer.Length - length);
            if (chunk == 0) return length;
            length += chunk;
        }
    }

    private static void Grow<T>(ref T[] buffer, int used, int size)
    {
        var larger = ArrayPool<T>.Shared.Rent(size);
        buffer.AsSpan(0, used).CopyTo(larger);
        ArrayPool<T>.Shared.Return(buffer);
        buffer = larger;
    }

    private static void RequireCultureData()
    {
        if (GlobalizationInvariant)
            throw new InvalidOperationException(
                "The SqlServer provider needs .NET's culture data, and this build runs globalization-invariant: Microsoft.Data.SqlClient " +
                "refuses to connect without it. Build with InvariantGlobalization false (Directory.Build.props) on a machine with ICU (libicu).");
    }

    private static bool ProbeGlobalizationInvariant()
    {
        try
        {
            return CultureInfo.GetCultureInfo("en-US", predefinedOnly: true).Name.Length == 0;
        }
        catch (CultureNotFoundException)
        {
            return true;
        }
    }
}
