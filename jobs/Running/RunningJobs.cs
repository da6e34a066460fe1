using System.Collections.Concurrent;

namespace JobTracker.Jobs.Running;

/// <summary>The jobs this process is working on right now, so that Stop Job can interrupt them at once.</summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<long, CancellationTokenSource> running = new();

    public CancellationTokenSource Start(long jobId, CancellationToken hostStopping)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(hostStopping);
        running[jobId] = source;
        return source;
    }

    public void Finish(long jobId, CancellationTokenSource source)
    {
        running.TryRemove(new KeyValuePair<long, CancellationTokenSource>(jobId, source));
        source.Dispose();
    }

    public void Cancel(long jobId)
    {
        if (running.TryGetValue(jobId, out var source))
        {
            try { source.Cancel(); }
            catch (ObjectDisposedException) { }
        }
    }
}
