using System.Diagnostics;
using JobTracker.Db;
using JobTracker.Jobs.Exports;
using JobTracker.Jobs.Files;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace JobTracker.Jobs.Running;

/// <summary>
/// Carries a job's work through transient database faults (the provider says which: busy or locked,
/// deadlock, timeout, lost connection; see <see cref="DatabaseProvider.TransientFault"/>). An attempt that
/// fails on one has rolled its batch back; it runs again from where the job is - the batches committed
/// before stay - after an exponential, jittered wait (a Polly retry pipeline, JobTracker:Retry). The attempts
/// count only while the job makes no progress: once a batch has committed since the last fault, the count
/// starts again. After JobTracker:Retry:MaxAttempts attempts in a row it gives up with a
/// <see cref="TransientFaultException"/>. The waits honour the job's cancellation token, so Stop Job and
/// shutdown cut them short; the job's lease heartbeat goes on meanwhile (it is the runner's timer).
/// </summary>
public sealed class TransientRetry(Database database, IOptions<EngineOptions> options, ILogger<TransientRetry> logger)
{
    private readonly RetryOptions settings = options.Value.Retry;

    /// <summary>
    /// The words for a transient database fault, or null: for anything else, for a cancellation, and for the
    /// failures a job reports itself (an unreadable file, an unwritable batch file).
    /// </summary>
    public string? FaultOf(Exception exception) =>
        exception is UnreadableFileException or ExportFailedException ? null : database.Provider.TransientFault(exception);

    /// <summary>
    /// Runs <paramref name="attempt"/> until it returns, trying again after transient faults. <paramref name="progress"/>
    /// tells how far the job has got (batches committed): a fault after progress starts the count of attempts again.
    /// </summary>
    /// <exception cref="TransientFaultException">The fault stayed through every attempt.</exception>
    public async Task<T> RunAsync<T>(long jobId, Func<CancellationToken, Task<T>> attempt, Func<long> progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            var attempts = 0;
            var clock = Stopwatch.StartNew();
            try
            {
                var (done, value) = await Pipeline(jobId).ExecuteAsync(async token =>
                {
                    attempts++;
                    var before = progress();
                    try
                    {
                        return (true, await attempt(token));
                    }
                    catch (Exception ex) when (progress() > before && FaultOf(ex) is { } fault)
                    {
                        logger.LogWarning(ex, "Job {JobId}: {Fault}; the batch was rolled back and the job goes on from where it is", jobId, fault);
                        return (false, default(T)!);
                    }
                }, cancellationToken);
                if (done) return value;
            }
            catch (Exception ex) when (FaultOf(ex) is { } fault)
            {
                throw new TransientFaultException(fault, attempts, clock.Elapsed, ex);
            }
        }
    }

    private ResiliencePipeline Pipeline(long jobId)
    {
        if (settings.MaxAttempts <= 1) return ResiliencePipeline.Empty;
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && FaultOf(ex) is not null),
                MaxRetryAttempts = settings.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.BaseDelay,
                MaxDelay = settings.MaxDelay,
                OnRetry = args =>
                {
                    logger.LogWarning(args.Outcome.Exception,
                        "Job {JobId}: {Fault} (attempt {Attempt} of {MaxAttempts}); the batch was rolled back, trying again in {Delay}",
                        jobId, FaultOf(args.Outcome.Exception!), args.AttemptNumber + 1, settings.MaxAttempts, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }
}
