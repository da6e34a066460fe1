using System.Runtime.InteropServices;

namespace JobTracker.Benchmarks;

/// <summary>
/// What the benchmark must undo however it ends (the PostgreSQL cluster it started, the product
/// processes it runs): disposing a registration undoes it, and Ctrl+C, SIGTERM or SIGHUP undo
/// everything still registered before the process goes, since no finally block runs then.
/// </summary>
internal static class Cleanup
{
    private static readonly List<Registration> Pending = [];

    private static readonly PosixSignalRegistration[] Signals =
    [
        PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => UndoAll()),
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => UndoAll()),
        PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => UndoAll()),
    ];

    /// <summary>Runs <paramref name="undo"/> once: when the registration is disposed, or on a signal.</summary>
    public static IDisposable Register(Action undo)
    {
        GC.KeepAlive(Signals);
        var registration = new Registration(undo);
        lock (Pending) Pending.Add(registration);
        return registration;
    }

    private static void UndoAll()
    {
        Registration[] all;
        lock (Pending) all = [.. Pending];
        foreach (var registration in all.Reverse()) registration.Dispose();
    }

    private sealed class Registration(Action undo) : IDisposable
    {
        private readonly Lock running = new();
        private bool done;

        /// <summary>Undoes once; a second caller (the main thread while a signal's handler undoes) waits until it is done.</summary>
        public void Dispose()
        {
            lock (running)
            {
                if (done) return;
                done = true;
                lock (Pending) Pending.Remove(this);
                undo();
            }
        }
    }
}
