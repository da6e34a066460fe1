using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobTracker.Tests.Infrastructure;

/// <summary>
/// A webhook endpoint for tests: a real Kestrel listener on a free port of 127.0.0.1 that keeps every POST to
/// /hook (headers and body) and answers with the next status code of its queue (200 once the queue is empty).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>One request as it arrived.</summary>
    public sealed record Received(string Event, string Delivery, string Signature, string ContentType, string Body, int Answered);

    private readonly WebApplication app;
    private readonly ConcurrentQueue<int> answers;
    private readonly List<Received> received = [];

    private WebhookReceiver(WebApplication app, IEnumerable<int> answers)
    {
        this.app = app;
        this.answers = new ConcurrentQueue<int>(answers);
    }

    /// <summary>Starts a receiver that answers <paramref name="answers"/> in turn, then 200.</summary>
    public static async Task<WebhookReceiver> StartAsync(params int[] answers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, answers);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var answer = receiver.answers.TryDequeue(out var next) ? next : 200;
            lock (receiver.received)
            {
                receiver.received.Add(new Received(
                    context.Request.Headers["X-JobTracker-Event"].ToString(), context.Request.Headers["X-JobTracker-Delivery"].ToString(),
                    context.Request.Headers["X-JobTracker-Signature"].ToString(), context.Request.ContentType ?? "", body, answer));
            }
            return Results.StatusCode(answer);
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The URL to register, e.g. http://127.0.0.1:41234/hook.</summary>
    public string Url => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";

    /// <summary>What has arrived so far, in order.</summary>
    public IReadOnlyList<Received> All
    {
        get
        {
            lock (received) return received.ToList();
        }
    }

    /// <summary>Waits until <paramref name="count"/> requests matching <paramref name="match"/> have arrived; returns them.</summary>
    public async Task<IReadOnlyList<Received>> WaitForAsync(int count, Func<Received, bool>? match = null, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? JobTrackerApp.Patience);
        while (true)
        {
            var matching = All.Where(match ?? (_ => true)).ToList();
            if (matching.Count >= count) return matching;
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"{matching.Count} of {count} webhook requests arrived; all so far: {string.Join(" | ", All.Select(r => r.Event + " " + r.Body))}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
