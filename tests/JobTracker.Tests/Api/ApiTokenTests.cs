using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using JobTracker.Db;
using JobTracker.Jobs.Users;
using JobTracker.Tests.Infrastructure;
using JobTracker.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace JobTracker.Tests.Api;

/// <summary>
/// Personal API tokens: made and revoked on the API tokens page (shown once, stored as a SHA-256 only), acting
/// with their user's role as it is now, refused once revoked or when the user is disabled. The sign-in cookie
/// opens nothing under /api, and a token opens no page.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiTokenTests(ApiFixture fixture)
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task A_user_creates_a_token_on_the_page_sees_it_once_uses_it_with_their_role_and_revokes_it()
    {
        var userName = App.CreateUser(Roles.Viewer);
        using var browser = await App.SignInAsync(userName);
        var page = await browser.GetStringAsync("/Account/Tokens");
        Assert.Single(Html.Tags(page, "no-tokens"));

        using var create = await browser.PostAsync("/Account/Tokens?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "nightly script",
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(page),
        }));
        var created = await create.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        Assert.True(create.Headers.CacheControl?.NoStore, "the page with the secret must not be stored");
        var secret = Html.Text(created, "new-token-secret")!;
        Assert.StartsWith(ApiTokens.Prefix, secret);
        Assert.Equal(["nightly script"], Html.Texts(created, "token-name"));

        using (var connection = App.Database.Open())
        {
            var stored = connection.QuerySingle<(string Hash, string Name)>("SELECT hash AS Hash, name AS Name FROM api_tokens WHERE user_id = @id", new { id = fixture.UserId(userName) });
            Assert.Equal(Sessions.HashOf(secret), stored.Hash);
            Assert.DoesNotContain(secret, stored.Hash + stored.Name);
        }
        Assert.DoesNotContain(secret, await browser.GetStringAsync("/Account/Tokens"));
        // The user's Settings page shows the same section: the token by name, never its secret.
        var settings = await browser.GetStringAsync("/Account/Settings");
        Assert.Equal(["nightly script"], Html.Texts(settings, "token-name"));
        Assert.DoesNotContain(secret, settings);

        using var api = fixture.Client(secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/workspaces")).StatusCode);
        await ApiFixture.AssertProblemAsync(await api.GetAsync($"/api/v1/jobs/{fixture.ImportJobId}/audit-log"), 403, "The role viewer may not do this");
        var lastUsed = await browser.GetStringAsync("/Account/Tokens");
        Assert.DoesNotContain(">never<", lastUsed);

        var tokenRow = Html.Tags(lastUsed, "token-row").Single();
        using var revoke = await browser.PostAsync("/Account/Tokens?handler=Revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tokenId"] = Html.Attribute(tokenRow, "data-token-id")!,
            ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(lastUsed),
        }));
        Assert.Contains("The token is revoked", Html.Text(await revoke.Content.ReadAsStringAsync(), "tokens-message"));
        await ApiFixture.AssertProblemAsync(await api.GetAsync("/api/v1/workspaces"), 401, "unknown or revoked");
    }

    [Fact]
    public async Task A_token_name_must_be_given_and_unique_among_the_users_live_tokens()
    {
        using var browser = await App.SignInAsync(App.CreateUser(Roles.Support));
        var page = await browser.GetStringAsync("/Account/Tokens");

        async Task<string> CreateAsync(string name)
        {
            using var response = await browser.PostAsync("/Account/Tokens?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["name"] = name,
                ["__RequestVerificationToken"] = Html.HiddenAntiforgeryField(page),
            }));
            return await response.Content.ReadAsStringAsync();
        }

        Assert.Contains("Give the token a name", Html.Text(await CreateAsync("  "), "validation-summary"));
        Assert.NotNull(Html.Text(await CreateAsync("ci"), "new-token-secret"));
        var twice = await CreateAsync("CI");
        Assert.Null(Html.Text(twice, "new-token-secret"));
        Assert.Contains("You already have a token named \"CI\"", Html.Text(twice, "validation-summary"));
    }

    [Fact]
    public async Task A_token_acts_with_its_users_role_as_it_is_now_and_stops_when_the_user_is_disabled()
    {
        var userName = App.CreateUser(Roles.Support);
        var userId = fixture.UserId(userName);
        using var api = fixture.Client(await fixture.CreateTokenAsync(userName));
        var users = App.Services.GetRequiredService<UserAdministration>();

        await ApiFixture.AssertProblemAsync(await api.PostAsJsonAsync($"/api/v1/collections/{fixture.CollectionId}/exports", new { }), 403);
        await users.ChangeRoleAsync(userId, Roles.Admin, "test");
        using (var export = await api.PostAsJsonAsync($"/api/v1/collections/{fixture.CollectionId}/exports", new { exportName = "by-promoted-user" }))
            Assert.Equal(HttpStatusCode.Accepted, export.StatusCode);

        await users.SetDisabledAsync(userId, disabled: true, "test");
        await ApiFixture.AssertProblemAsync(await api.GetAsync("/api/v1/workspaces"), 401, "its user is disabled");
        await users.SetDisabledAsync(userId, disabled: false, "test");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/workspaces")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_or_malformed_token_is_refused_with_a_bearer_challenge()
    {
        using var wrong = fixture.Client(ApiTokens.Prefix + "not-a-token-anyone-has");
        using var refused = await wrong.GetAsync("/api/v1/workspaces");
        Assert.Equal("Bearer error=\"invalid_token\"", refused.Headers.WwwAuthenticate.ToString());
        await ApiFixture.AssertProblemAsync(refused, 401, "unknown or revoked");

        using var basic = fixture.Client(null);
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "YWRtaW46YWRtaW4=");
        await ApiFixture.AssertProblemAsync(await basic.GetAsync("/api/v1/workspaces"), 401, "must read \"Bearer <token>\"");
    }

    [Fact]
    public async Task The_sign_in_cookie_opens_nothing_under_api_so_no_other_site_can_act_through_it()
    {
        using var browser = await App.SignInAsync();
        var token = await JobTrackerApp.RequestTokenAsync(browser);
        var jobs = App.Count("jobs");

        await ApiFixture.AssertProblemAsync(await browser.GetAsync("/api/v1/workspaces"), 401);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/collections/{fixture.CollectionId}/exports")
        {
            Content = JsonContent.Create(new { exportName = "cross-site" }),
        };
        request.Headers.Add(PagesSetup.AntiforgeryHeader, token);
        await ApiFixture.AssertProblemAsync(await browser.SendAsync(request), 401);
        Assert.Equal(jobs, App.Count("jobs"));
    }

    [Fact]
    public async Task A_token_opens_no_page()
    {
        using var api = fixture.Client(Roles.Admin);
        using var noRedirects = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = App.BaseAddress };
        noRedirects.DefaultRequestHeaders.Authorization = api.DefaultRequestHeaders.Authorization;

        using var page = await noRedirects.GetAsync($"/Collections/{fixture.CollectionId}/Jobs");

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/Account/Login", page.Headers.Location!.AbsolutePath);
    }
}
