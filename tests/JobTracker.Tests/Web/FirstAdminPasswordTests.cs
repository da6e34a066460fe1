using System.Net;
using System.Text.RegularExpressions;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// The first start without JobTracker:Admin:Password, as the README's run command leaves it: the real product
/// as a child process with a console sink and the rolling file log. The generated password is on the console
/// and signs in; the file log says a password was generated, but not which.
/// </summary>
public sealed partial class FirstAdminPasswordTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task The_generated_password_is_on_the_console_and_never_in_the_file_log()
    {
        var logs = Path.Combine(folder.Path, "logs");
        using var product = ProductProcess.Start(folder, "first-start", settings: new Dictionary<string, string>
        {
            ["JobTracker__Admin__Password"] = "",
            ["JobTracker__DemoData"] = "false",
            ["JobTracker__RunWorkers"] = "false",
            ["Serilog__MinimumLevel__Default"] = "Information",
            ["Serilog__WriteTo__0__Name"] = "Console",
            ["Serilog__WriteTo__1__Name"] = "File",
            ["Serilog__WriteTo__1__Args__path"] = Path.Combine(logs, "jobtracker-.log"),
        });
        await product.WaitUntilListeningAsync(JobTrackerApp.Patience);

        var password = GeneratedPassword().Match(product.Output) is { Success: true } match
            ? match.Groups[1].Value
            : throw new Xunit.Sdk.XunitException("no generated password on the console:\n" + product.Output);
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = product.BaseAddress,
        };
        using var signIn = await JobTrackerApp.PostSignInAsync(client, "admin", password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);

        product.Kill();
        var fileLog = string.Concat(Directory.GetFiles(logs).Select(File.ReadAllText));
        Assert.Contains("created the user 'admin' with a generated password, written to the console only", fileLog);
        Assert.Contains("signed in", fileLog);
        Assert.DoesNotContain(password, fileLog);
    }

    [GeneratedRegex("generated password ([A-Za-z0-9]{20}) ")]
    private static partial Regex GeneratedPassword();
}
