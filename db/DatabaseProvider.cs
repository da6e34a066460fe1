using System.Data.Common;
using DbUp.Builder;

namespace JobTracker.Db;

/// <summary>
/// One kind of database: it opens connections with the right settings, names the DbUp target that
/// applies its migrations (Migrations/{Name}/), recognises its unique-key violations, and holds every
/// SQL statement or fragment that is not portable. Everything else is plain SQL that runs unchanged
/// on every provider. Chosen by JobTracker:Database:Provider (see <see cref="Named"/>).
/// </summary>
public abstract class DatabaseProvider
{
    /// <summary>The provider's name in configuration, and its folder under Migrations/.</summary>
    public abstract string Name { get; }

    /// <summary>Used when ConnectionStrings:JobTracker is not set.</summary>
    public abstract string DefaultConnectionString { get; }

    /// <summary>
    /// The provider for a JobTracker:Database:Provider value (case-insensitive; empty means Sqlite).
    /// Throws with a message that names the supported values.
    /// </summary>
    public static DatabaseProvider Named(string? name) => name?.Trim() switch
    {
        null or "" => new Sqlite.SqliteProvider(),
        var n when n.Equals(Sqlite.SqliteProvider.ProviderName, StringComparison.OrdinalIgnoreCase) => new Sqlite.SqliteProvider(),
        var n when n.Equals(PostgreSql.PostgreSqlProvider.ProviderName, StringComparison.OrdinalIgnoreCase) => new PostgreSql.PostgreSqlProvider(),
        var n when n.Equals(SqlServer.SqlServerProvider.ProviderName, StringComparison.OrdinalIgnoreCase) => new SqlServer.SqlServerProvider(),
        var n => throw new InvalidOperationException(
            $"JobTracker:Database:Provider is '{n}', which this version does not support. " +
            $"Supported: {Sqlite.SqliteProvider.ProviderName}, {PostgreSql.PostgreSqlProvider.ProviderName}, {SqlServer.SqlServerProvider.ProviderName}."),
    };

    /// <summary>The connection string as this process uses it: relative file paths resolved against <paramref name="baseDirectory"/>, defaults filled in.</summary>
    public abstract string PrepareConnectionString(string connectionString, string baseDirectory);

    /// <summary>Where the database is, for logs (never the password).</summary>
    public abstract string Describe(string connectionString);

    public abstract DbConnection CreateConnection(string connectionString);

    /// <summary>Per-connection settings, run on every open.</summary>
    public abstract void OnOpen(DbConnection connection);

    /// <summary>
    /// Called after reading through many pages once (an export's snapshot steps over the whole key index, each
    /// batch reads its records): frees the pages the connection keeps cached once they are many, so that its
    /// memory does not grow with the collection. Nothing where the database runs in a server.
    /// </summary>
    public virtual void ReleaseMemory(DbConnection connection)
    {
    }

    /// <summary>Makes the database reachable and sets database-wide settings, once before migrations.</summary>
    public abstract void PrepareDatabase(Database database);

    /// <summary>
    /// Holds the database's migration lock until disposed, so that several nodes starting at once
    /// apply the migrations one after another: the first applies them, the others find nothing to do.
    /// </summary>
    public abstract IDisposable LockMigrations(Database database);

    /// <summary>The DbUp target that applies this provider's migrations.</summary>
    public abstract UpgradeEngineBuilder MigrationTarget(string connectionString);

    /// <summary>Whether the exception is this database's unique-key (or primary-key) violation.</summary>
    public abstract bool IsUniqueViolation(Exception exception);

    /// <summary>
    /// When <paramref name="exception"/> (or an exception it wraps) is a fault of this database that may clear
    /// by itself - busy or locked, a deadlock, a timeout, a lost connection, a server restarting - the words
    /// that say what happened, for a person (e.g. "the database stayed busy (locked by another process)");
    /// null when it is not such a fault. A canceled operation is never one.
    /// </summary>
    public string? TransientFault(Exception exception)
    {
        if (exception is OperationCanceledException) return null;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (DescribeTransient(e) is { } words) return words;
            if (e is AggregateException aggregate)
                return aggregate.InnerExceptions.Select(TransientFault).FirstOrDefault(words => words is not null);
        }
        return null;
    }

    /// <summary>Whether the exception is a fault that may clear by itself, worth trying again (see <see cref="TransientFault"/>).</summary>
    public bool IsTransient(Exception exception) => TransientFault(exception) is not null;

    /// <summary>The words for one exception (not the ones it wraps) when it is a transient fault of this database; otherwise null.</summary>
    protected abstract string? DescribeTransient(Exception exception);

    /// <summary>
    /// Put right after a table name in FROM: makes the query read the table through <paramref name="index"/>
    /// where the planner would not pick it on its own (empty unless overridden).
    /// </summary>
    public virtual string UseIndex(string index) => "";

    /// <summary>Appended after an ORDER BY: skips @Skip rows and takes @Take (LIMIT/OFFSET unless overridden).</summary>
    public virtual string Paging => "LIMIT @Take OFFSET @Skip";

    /// <summary>An INSERT that returns the new row's integer id as a scalar (RETURNING unless overridden).</summary>
    public virtual string InsertReturningId(string table, string columns, string values) =>
        $"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id";

    /// <summary>
    /// Takes the lease on the oldest unfinished job that heads its collection's queue and is not
    /// leased by a live worker, IN PROGRESS if it was QUEUED (the caller sets started_at). Parameters: @Owner, @Now, @Until.
    /// Returns the job id, or nothing when there is no work.
    /// </summary>
    public abstract string ClaimNextJob { get; }

    /// <summary>
    /// Inserts an export job and returns its id, or nothing when a job for the same schedule fire
    /// (@scheduleId, @scheduledFor) exists already. Parameters: @collectionId, @exportName, @Queued,
    /// @note, @initiatedBy, @recordsPerFile, @now, @scheduleId, @scheduledFor.
    /// </summary>
    /// <remarks>ON CONFLICT DO NOTHING … RETURNING unless overridden.</remarks>
    public virtual string InsertExportJob => """
        INSERT INTO jobs (collection_id, job_type, file_name, export_name, status, note, initiated_by,
                          batch_size, created_at, schedule_id, scheduled_for)
        VALUES (@collectionId, 'Export', @exportName, @exportName, @Queued, @note, @initiatedBy,
                @recordsPerFile, @now, @scheduleId, @scheduledFor)
        ON CONFLICT DO NOTHING
        RETURNING id
        """;

    /// <summary>
    /// Writes a collection's records inside the connection's current transaction: the import's hot
    /// loop, so each statement is prepared once for the whole job. Every record written is stamped with
    /// <paramref name="jobId"/> (records.last_job_id: "last written by job N").
    /// </summary>
    public abstract RecordWriter CreateRecordWriter(DbConnection connection, long collectionId, long jobId);

    /// <summary>
    /// Streams the records of a collection whose keys lie in [firstKey, lastKey], in key order, handing
    /// each one's key and stored JSON to <paramref name="visit"/> as UTF-8 that is valid only during the
    /// call (nothing is copied: the export's hot loop). Returns how many records were read.
    /// </summary>
    public abstract int ReadRecords(DbConnection connection, long collectionId, string firstKey, string lastKey, RecordVisitor visit);
}
