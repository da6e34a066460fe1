using System.Text;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs;
using JobTracker.Jobs.Catalog;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Files;
using JobTracker.Jobs.Imports;
using JobTracker.Jobs.Running;
using JobTracker.Jobs.Schedules;
using JobTracker.Jobs.Storage;
using JobTracker.Jobs.Users;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// The engine on a real SQLite file, without the web host and with the scheduler off: tests call
/// the runner themselves, so every step is deterministic.
/// </summary>
public sealed class EngineHost : IDisposable
{
    private readonly ServiceProvider services;
    private readonly bool ownsFolder;

    /// <summary>
    /// An engine on <paramref name="folder"/> (a new one by default, deleted with the engine), with JobTracker:Storage <paramref name="storage"/>
    /// and JobTracker:StoragePath <paramref name="storagePath"/> when not the folder's own (another node on the same database file).
    /// <paramref name="settings"/> adds or overrides configuration keys; <paramref name="connectionString"/> replaces the folder's
    /// (e.g. the same database with a short lock timeout).
    /// </summary>
    public EngineHost(int batchSize = 1000, TestFolder? folder = null, TimeSpan? lease = null, StorageKind storage = StorageKind.Folder, string? storagePath = null,
        IReadOnlyDictionary<string, string?>? settings = null, string? connectionString = null)
    {
        ownsFolder = folder is null;
        Folder = folder ?? new TestFolder();
        StoragePath = storagePath ?? Folder.StoragePath;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JobTracker:BatchSize"] = batchSize.ToString(),
            ["JobTracker:Storage"] = storage.ToString(),
            ["JobTracker:StoragePath"] = StoragePath,
            ["JobTracker:RunWorkers"] = "false",
            ["JobTracker:NodeId"] = "test",
            ["JobTracker:Lease"] = (lease ?? TimeSpan.FromSeconds(30)).ToString(),
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        Database = Database.Create(Folder.Provider, connectionString ?? Folder.ConnectionString, Folder.Path);
        Database.Migrate();
        services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(Logs))
            .AddSingleton(Database)
            .AddJobTrackerEngine(configuration)
            .BuildServiceProvider();
    }

    public TestFolder Folder { get; }

    /// <summary>What the engine logged at Warning and up.</summary>
    public CapturedLogs Logs { get; } = new();
    public string StoragePath { get; }
    public Database Database { get; }
    public JobRunner Runner => services.GetRequiredService<JobRunner>();
    public JobStopper Stopper => services.GetRequiredService<JobStopper>();
    public AuditLog AuditLog => services.GetRequiredService<AuditLog>();
    public FileStore Files => services.GetRequiredService<FileStore>();
    public StorageSweep Sweep => services.GetRequiredService<StorageSweep>();
    public RunningJobs RunningJobs => services.GetRequiredService<RunningJobs>();
    public ExportSubmission Exports => services.GetRequiredService<ExportSubmission>();
    public ImportSubmission Imports => services.GetRequiredService<ImportSubmission>();
    public WorkspaceEditor Workspaces => services.GetRequiredService<WorkspaceEditor>();
    public CollectionEditor Collections => services.GetRequiredService<CollectionEditor>();
    public ScheduleEditor Schedules => services.GetRequiredService<ScheduleEditor>();
    public UserAdministration Users => services.GetRequiredService<UserAdministration>();

    public long CreateCollection(string name = "Customers", string? keyField = "customerId", params SchemaField[] schema)
    {
        using var connection = Database.Open();
        var workspaceId = connection.ExecuteScalar<long?>("SELECT id FROM workspaces WHERE name = 'Tests'")
            ?? connection.ExecuteScalar<long>(Database.Provider.InsertReturningId("workspaces", "name, created_at", "'Tests', @now"), new { now = DateTime.UtcNow });
        return connection.ExecuteScalar<long>(
            Database.Provider.InsertReturningId("collections", "workspace_id, name, key_field, schema_json, created_at", "@workspaceId, @name, @keyField, @schema, @now"),
            new { workspaceId, name, keyField, schema = CollectionSchema.Serialize(schema), now = DateTime.UtcNow });
    }

    public async Task<long> SubmitAsync(long collectionId, string fileName, string content, string initiatedBy = "tester") =>
        await SubmitAsync(collectionId, fileName, Encoding.UTF8.GetBytes(content), initiatedBy);

    public async Task<long> SubmitAsync(long collectionId, string fileName, byte[] content, string initiatedBy = "tester")
    {
        var stored = await Files.SaveAsync(new MemoryStream(content), fileName, long.MaxValue, CancellationToken.None);
        var format = FileFormats.FromFileName(fileName) ?? throw new ArgumentException("unsupported file name", nameof(fileName));
        return await services.GetRequiredService<ImportSubmission>().SubmitAsync(collectionId, stored, format, initiatedBy);
    }

    public JobRow Job(long jobId) => Database.Job(jobId);

    /// <summary>Asserts a job's status, showing its reason when it differs.</summary>
    public JobRow AssertStatus(string expected, long jobId)
    {
        var job = Job(jobId);
        Assert.True(job.Status == expected, $"job {jobId} is {job.Status}, expected {expected}; reason: {job.StatusReason}");
        return job;
    }

    public List<BatchRow> Batches(long jobId) => Database.Batches(jobId);

    /// <summary>The files in this host's storage folder, in any folder below it.</summary>
    public string[] FilesOnDisk() =>
        Directory.Exists(StoragePath) ? Directory.GetFiles(StoragePath, "*", SearchOption.AllDirectories) : [];

    public Dictionary<string, (string Data, long Version)> Records(long collectionId) => Database.Records(collectionId);

    /// <summary>The collection's kept record count (collections.record_count).</summary>
    public long RecordCount(long collectionId)
    {
        using var connection = Database.Open();
        return connection.ExecuteScalar<long>("SELECT record_count FROM collections WHERE id = @collectionId", new { collectionId });
    }

    public async Task<List<string[]>> AuditRowsAsync(long jobId)
    {
        var output = new MemoryStream();
        await AuditLog.WriteCsvAsync(jobId, output);
        return Csv.Parse(Encoding.UTF8.GetString(output.ToArray()).TrimStart('\uFEFF'));
    }

    public void Dispose()
    {
        services.Dispose();
        if (ownsFolder) Folder.Dispose();
    }
}
