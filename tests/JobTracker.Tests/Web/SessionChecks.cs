using System.Net;
using Dapper;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>
/// Server-side sessions and the user lifecycle over real HTTP: sign-out, disabling, a password change and an
/// admin ending a session each stop the cookies concerned at their next request, copies included. Run by
/// <see cref="SessionTests"/> (every request reads its session) and <see cref="SessionRecheckTests"/> (a session
/// found live is kept for a while, as in production).
/// </summary>
public abstract class SessionChecks(JobTrackerApp app)
{
    protected long UserId(string userName)
    {
        using var connection = app.Database.Open();
        return connection.ExecuteScalar<long>("SELECT id FROM users WHERE user_name = @userName", new { userName });
    }

    /// <summary>A client that sends exactly this Cookie header (a copy of another's cookies), never following redirects.</summary>
    protected HttpClient CopyOf(HttpClient original)
    {
        var copy = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.BaseAddress };
        copy.DefaultRequestHeaders.Add("Cookie", JobTrackerApp.CookieHeader(original));
        return copy;
    }

    protected static async Task AssertSignedOutAsync(HttpClient client, string path = "/")
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Login", response.Headers.Location!.AbsolutePath);
    }

    protected static async Task AssertSignedInAsync(HttpClient client, string userName, string path = "/")
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(userName, Html.Text(await response.Content.ReadAsStringAsync(), "signed-in-user"));
    }

    /// <summary>Posts a form of the page (with the page's antiforgery field) to one of its handlers.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string handler, Dictionary<string, string>? fields = null)
    {
        var page = await client.GetStringAsync(path);
        fields ??= [];
        fields["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(page);
        return await client.PostAsync($"{path}?handler={handler}", new FormUrlEncodedContent(fields));
    }

    [Fact]
    public async Task A_cookie_copied_before_sign_out_is_refused_after_it()
    {
        var user = app.CreateUser(Roles.Support);
        using var client = await app.SignInAsync(user);
        using var copy = CopyOf(client);
        await AssertSignedInAsync(copy, user);

        var home = await client.GetStringAsync("/");
        using var signOut = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(home),
        }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        await AssertSignedOutAsync(copy);
        await AssertSignedOutAsync(copy, $"/Jobs/1/AuditLog");
        await AssertSignedOutAsync(client);
    }

    [Fact]
    public async Task A_user_disabled_mid_session_loses_access_on_the_next_request_and_cannot_sign_in()
    {
        var user = app.CreateUser(Roles.Support);
        using var victim = await app.SignInAsync(user);
        using var copy = CopyOf(victim);
        await AssertSignedInAsync(victim, user);
        using var admin = await app.SignInAsync();

        using var disable = await PostFormAsync(admin, $"/Users/{UserId(user)}", "Disable");
        var page = await disable.Content.ReadAsStringAsync();
        Assert.Equal($"{user} is disabled: their sessions are ended and they cannot sign in.", Html.Text(page, "users-message"));
        Assert.Equal("DISABLED", Html.Text(page, "user-state"));

        await AssertSignedOutAsync(victim);
        await AssertSignedOutAsync(copy);
        using var fresh = app.CreateBrowserLikeClient();
        using (var signIn = await JobTrackerApp.PostSignInAsync(fresh, user, JobTrackerApp.UserPassword))
            Assert.Equal("This account is disabled. Ask an admin to enable it.", Html.Text(await signIn.Content.ReadAsStringAsync(), "login-error"));
        using (var wrong = await JobTrackerApp.PostSignInAsync(fresh, user, "not the password"))
            Assert.Equal("The user name or password is not right.", Html.Text(await wrong.Content.ReadAsStringAsync(), "login-error"));
        await AssertSignedOutAsync(fresh);

        using var enable = await PostFormAsync(admin, $"/Users/{UserId(user)}", "Enable");
        Assert.Equal("ACTIVE", Html.Text(await enable.Content.ReadAsStringAsync(), "user-state"));
        await AssertSignedOutAsync(victim);
        using var again = await app.SignInAsync(user);
        await AssertSignedInAsync(again, user);
    }

    [Fact]
    public async Task Changing_your_password_ends_your_other_sessions_and_keeps_this_one()
    {
        var user = app.CreateUser(Roles.Viewer);
        using var here = await app.SignInAsync(user);
        using var elsewhere = await app.SignInAsync(user);
        const string newPassword = "a much longer new password";

        using (var wrong = await PostFormAsync(here, "/Account/Password", "", new()
               {
                   ["CurrentPassword"] = "not my password", ["NewPassword"] = newPassword, ["ConfirmPassword"] = newPassword,
               }))
            Assert.Equal("The current password is not right.", Html.Text(await wrong.Content.ReadAsStringAsync(), "validation-summary"));
        using (var mismatch = await PostFormAsync(here, "/Account/Password", "", new()
               {
                   ["CurrentPassword"] = JobTrackerApp.UserPassword, ["NewPassword"] = newPassword, ["ConfirmPassword"] = newPassword + "!",
               }))
            Assert.Equal("The new password and its confirmation differ.", Html.Text(await mismatch.Content.ReadAsStringAsync(), "validation-summary"));
        using (var tooShort = await PostFormAsync(here, "/Account/Password", "", new()
               {
                   ["CurrentPassword"] = JobTrackerApp.UserPassword, ["NewPassword"] = "eleven char", ["ConfirmPassword"] = "eleven char",
               }))
            Assert.Equal("The new password needs at least 12 characters.", Html.Text(await tooShort.Content.ReadAsStringAsync(), "validation-summary"));
        await AssertSignedInAsync(elsewhere, user);

        using var change = await PostFormAsync(here, "/Account/Password", "", new()
        {
            ["CurrentPassword"] = JobTrackerApp.UserPassword, ["NewPassword"] = newPassword, ["ConfirmPassword"] = newPassword,
        });
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        Assert.Equal("Your password is changed. Your other sessions are signed out; this one goes on.",
            Html.Text(await change.Content.ReadAsStringAsync(), "password-message"));

        await AssertSignedInAsync(here, user);
        await AssertSignedOutAsync(elsewhere);
        using var old = app.CreateBrowserLikeClient();
        using (var refused = await JobTrackerApp.PostSignInAsync(old, user, JobTrackerApp.UserPassword))
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        using var renewed = await app.SignInAsync(user, newPassword);
        await AssertSignedInAsync(renewed, user);
    }

    [Fact]
    public async Task An_admin_sees_a_users_sessions_and_ends_one_from_the_users_page()
    {
        var user = app.CreateUser(Roles.Support);
        using var first = await app.SignInAsync(user);
        using var second = await app.SignInAsync(user);
        using var admin = await app.SignInAsync();
        var userId = UserId(user);

        var users = await admin.GetStringAsync("/Users");
        var row = Html.Tags(users, "user-row").Single(t => Html.Attribute(t, "data-user-name") == user);
        Assert.Equal("ACTIVE", Html.Attribute(row, "data-state"));
        var details = await admin.GetStringAsync($"/Users/{userId}");
        var sessions = Html.Tags(details, "session-row").Select(t => long.Parse(Html.Attribute(t, "data-session-id")!)).ToList();
        Assert.Equal(2, sessions.Count);
        Assert.Contains("127.0.0.1", details);

        // The newest session is listed first: that is the second client's.
        using var end = await PostFormAsync(admin, $"/Users/{userId}", "EndSession", new() { ["sessionId"] = sessions[0].ToString() });
        var page = await end.Content.ReadAsStringAsync();
        Assert.Equal($"Session {sessions[0]} of {user} is ended: its cookie no longer works.", Html.Text(page, "users-message"));
        Assert.Equal([sessions[1]], Html.Tags(page, "session-row").Select(t => long.Parse(Html.Attribute(t, "data-session-id")!)));

        await AssertSignedOutAsync(second);
        await AssertSignedInAsync(first, user);

        using var endAll = await PostFormAsync(admin, $"/Users/{userId}", "EndAllSessions");
        Assert.Equal($"Ended 1 session of {user}.", Html.Text(await endAll.Content.ReadAsStringAsync(), "users-message"));
        await AssertSignedOutAsync(first);
        await AssertSignedInAsync(admin, JobTrackerApp.AdminUser);
    }

    [Fact]
    public async Task A_new_role_applies_to_the_users_next_request()
    {
        var user = app.CreateUser(Roles.Viewer);
        using var client = await app.SignInAsync(user);
        using (var before = await client.GetAsync("/Users")) Assert.Equal("/Account/AccessDenied", before.Headers.Location!.AbsolutePath);
        using var admin = await app.SignInAsync();

        using var change = await PostFormAsync(admin, $"/Users/{UserId(user)}", "Role", new() { ["role"] = Roles.Admin });
        Assert.Equal($"{user} now has the role admin.", Html.Text(await change.Content.ReadAsStringAsync(), "users-message"));

        await AssertSignedInAsync(client, user, "/Users");
        using var back = await PostFormAsync(admin, $"/Users/{UserId(user)}", "Role", new() { ["role"] = Roles.Viewer });
        using (var after = await client.GetAsync("/Users")) Assert.Equal("/Account/AccessDenied", after.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task A_new_user_needs_a_password_of_the_minimum_length()
    {
        using var admin = await app.SignInAsync();

        using var tooShort = await PostFormAsync(admin, "/Users", "Add", new() { ["UserName"] = "shorty", ["Role"] = Roles.Viewer, ["Password"] = "eleven char" });
        var page = await tooShort.Content.ReadAsStringAsync();
        Assert.Equal("The password needs at least 12 characters.", Html.Text(page, "validation-summary"));
        Assert.DoesNotContain(Html.Tags(page, "user-row"), t => Html.Attribute(t, "data-user-name") == "shorty");

        var userId = UserId(app.CreateUser(Roles.Viewer));
        using var reset = await PostFormAsync(admin, $"/Users/{userId}", "ResetPassword", new() { ["newPassword"] = "eleven char" });
        Assert.Contains("needs at least 12 characters.", Html.Text(await reset.Content.ReadAsStringAsync(), "validation-summary"));

        using var added = await PostFormAsync(admin, "/Users", "Add", new() { ["UserName"] = "longer", ["Role"] = Roles.Viewer, ["Password"] = "twelve chars" });
        Assert.Equal("Added longer (viewer).", Html.Text(await added.Content.ReadAsStringAsync(), "users-message"));
        using var signedIn = await app.SignInAsync("longer", "twelve chars");
        await AssertSignedInAsync(signedIn, "longer");
    }

    [Fact]
    public async Task The_last_active_admin_can_be_neither_disabled_nor_demoted_from_the_users_page()
    {
        await using var alone = new JobTrackerApp { RunWorkers = false };
        using var admin = await alone.SignInAsync();
        long adminId;
        using (var connection = alone.Database.Open()) adminId = connection.ExecuteScalar<long>("SELECT id FROM users WHERE user_name = 'admin'");

        using var disable = await PostFormAsync(admin, $"/Users/{adminId}", "Disable");
        Assert.Equal("admin is the last active admin and cannot be disabled. Make another user an admin first.",
            Html.Text(await disable.Content.ReadAsStringAsync(), "validation-summary"));
        using var demote = await PostFormAsync(admin, $"/Users/{adminId}", "Role", new() { ["role"] = Roles.Support });
        var page = await demote.Content.ReadAsStringAsync();
        Assert.Equal("admin is the last active admin, so their role stays admin. Make another user an admin first.", Html.Text(page, "validation-summary"));
        Assert.Equal("ACTIVE", Html.Text(page, "user-state"));
        Assert.Equal(Roles.Admin, Html.Text(page, "user-role"));
        await AssertSignedInAsync(admin, JobTrackerApp.AdminUser, "/Users");
    }
}
