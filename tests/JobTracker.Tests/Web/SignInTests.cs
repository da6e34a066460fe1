using System.Net;
using JobTracker.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace JobTracker.Tests.Web;

/// <summary>Only signed-in users see anything: the sign-in form, its errors, and where it sends people.</summary>
public sealed class SignInTests(JobTrackerApp app) : IClassFixture<JobTrackerApp>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/Workspaces/1")]
    [InlineData("/Collections/1")]
    [InlineData("/Collections/1/Import")]
    [InlineData("/Collections/1/Jobs")]
    [InlineData("/Collections/1/Jobs?page=2")]
    [InlineData("/Jobs/1")]
    [InlineData("/Jobs/1/AuditLog")]
    [InlineData("/Jobs/1/File")]
    [InlineData("/Users")]
    public async Task An_anonymous_request_is_sent_to_sign_in_and_back(string path)
    {
        using var client = app.CreateBrowserLikeClient();
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal("/Account/Login", location.AbsolutePath);
        Assert.Equal(path, QueryHelpers.ParseQuery(location.Query)["ReturnUrl"].ToString());
        Assert.Empty(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_anonymous_htmx_poll_gets_401_and_an_HX_Redirect_back_to_the_page_it_was_on()
    {
        using var client = app.CreateBrowserLikeClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Collections/1/Jobs");
        request.Headers.Add("HX-Request", "true");
        request.Headers.Add("HX-Current-URL", new Uri(client.BaseAddress!, "/Collections/1/Jobs?page=2").ToString());
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("/Account/Login?ReturnUrl=%2FCollections%2F1%2FJobs%3Fpage%3D2", response.Headers.GetValues("HX-Redirect").Single());
    }

    [Fact]
    public async Task Anonymous_posts_change_nothing()
    {
        var collectionId = app.CreateCollection();
        var jobId = app.InsertBlockingJob(collectionId);
        using var client = app.CreateBrowserLikeClient();
        var loginPage = await client.GetStringAsync("/Account/Login");
        var token = Html.MetaRequestToken(loginPage);

        using var stop = await JobTrackerApp.PostStopAsync(client, jobId, token, htmx: false);
        using var upload = await JobTrackerApp.PostUploadAsync(client, collectionId, "customers.csv", "customerId,name\nX1,x\n"u8.ToArray(), token);

        Assert.Equal(HttpStatusCode.Redirect, stop.StatusCode);
        Assert.Equal("/Account/Login", stop.Headers.Location!.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
        Assert.Equal("IN PROGRESS", app.Job(jobId).Status);
        Assert.Equal(jobId, app.LastJobId(collectionId));
        Assert.Empty(app.StoredFilesOnDisk());
    }

    [Theory]
    [InlineData(JobTrackerApp.AdminUser, "not-the-password")]
    [InlineData("nobody", JobTrackerApp.AdminPassword)]
    public async Task A_wrong_password_or_unknown_user_shows_an_error_and_signs_nobody_in(string userName, string password)
    {
        using var client = app.CreateBrowserLikeClient();
        using var response = await JobTrackerApp.PostSignInAsync(client, userName, password);
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("The user name or password is not right.", Html.Text(page, "login-error"));
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("JobTracker.SignIn=", StringComparison.Ordinal));
        Assert.Null(Html.Text(page, "signed-in-user"));

        using var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal("/Account/Login", home.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task The_right_password_signs_in_and_returns_to_the_page_asked_for()
    {
        using var client = app.CreateBrowserLikeClient();
        var form = await client.GetStringAsync("/Account/Login?ReturnUrl=%2FUsers");
        using var response = await client.PostAsync("/Account/Login?ReturnUrl=%2FUsers", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["returnUrl"] = "/Users",
            ["Input.UserName"] = JobTrackerApp.AdminUser,
            ["Input.Password"] = JobTrackerApp.AdminPassword,
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(form),
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Users", response.Headers.Location!.OriginalString);
        var users = await client.GetStringAsync("/Users");
        Assert.Equal(JobTrackerApp.AdminUser, Html.Text(users, "signed-in-user"));
        Assert.Contains(Html.Tags(users, "user-row"), t => Html.Attribute(t, "data-user-name") == JobTrackerApp.AdminUser);
    }

    [Fact]
    public async Task A_return_url_to_another_site_is_ignored()
    {
        using var client = app.CreateBrowserLikeClient();
        var form = await client.GetStringAsync("/Account/Login");
        using var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["returnUrl"] = "https://evil.example/phish",
            ["Input.UserName"] = JobTrackerApp.AdminUser,
            ["Input.Password"] = JobTrackerApp.AdminPassword,
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(form),
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Sign_in_without_the_antiforgery_field_is_rejected()
    {
        using var client = app.CreateBrowserLikeClient();
        await client.GetStringAsync("/Account/Login");
        using var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = JobTrackerApp.AdminUser,
            ["Input.Password"] = JobTrackerApp.AdminPassword,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
    }

    [Fact]
    public async Task Sign_out_ends_the_session()
    {
        using var client = await app.SignInAsync();
        var home = await client.GetStringAsync("/");
        Assert.Equal(JobTrackerApp.AdminUser, Html.Text(home, "signed-in-user"));

        using var signOut = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(home),
        }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        using var after = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/Account/Login", after.Headers.Location!.AbsolutePath);
    }
}
