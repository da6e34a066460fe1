using System.Net;
using JobTracker.Db;
using JobTracker.Tests.Infrastructure;

namespace JobTracker.Tests.Web;

/// <summary>One app with one finished import (uploaded for real by the admin) that every role looks at.</summary>
public sealed class RoleFixture : IAsyncLifetime
{
    public JobTrackerApp App { get; } = new();

    public long CollectionId { get; private set; }

    public long FinishedJobId { get; private set; }

    public async Task InitializeAsync()
    {
        CollectionId = App.CreateCollection();
        using var admin = await App.SignInAsync();
        FinishedJobId = await App.UploadAsync(admin, CollectionId, "roles.csv", "customerId,name\nR1,Ada\nR2,Grace\n");
        await App.WaitForStatusAsync(FinishedJobId, Status.Completed);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// Viewers see the pages only; support staff may also download audit logs and original files;
/// only admins import and stop jobs. Checked on the markup and, above all, on the endpoints.
/// </summary>
public sealed class RoleTests(RoleFixture fixture) : IClassFixture<RoleFixture>
{
    private JobTrackerApp App => fixture.App;

    [Fact]
    public async Task A_viewer_sees_every_page_but_no_import_stop_or_download_action()
    {
        using var viewer = await App.SignInAsAsync(Roles.Viewer);
        var blocker = App.InsertBlockingJob(App.CreateCollection());

        var workspace = await viewer.GetStringAsync($"/Workspaces/{App.WorkspaceId("Acme Retail")}");
        var collection = await viewer.GetStringAsync($"/Collections/{fixture.CollectionId}");
        var jobs = await viewer.GetStringAsync($"/Collections/{fixture.CollectionId}/Jobs");
        var details = await viewer.GetStringAsync($"/Jobs/{fixture.FinishedJobId}");
        var unfinished = await viewer.GetStringAsync($"/Jobs/{blocker}");

        Assert.NotEmpty(Html.Tags(workspace, "job-tracker-link"));
        Assert.Equal([(fixture.FinishedJobId, Status.Completed)], Html.JobRows(jobs));
        Assert.Equal(Status.Completed, Html.Text(details, "job-status"));
        foreach (var page in new[] { workspace, collection, jobs, details, unfinished })
        {
            Assert.Empty(Html.Tags(page, "import-link"));
            Assert.Empty(Html.Tags(page, "download-audit-log"));
            Assert.Empty(Html.Tags(page, "download-file"));
            Assert.Empty(Html.Tags(page, "stop-job"));
            Assert.Empty(Html.Tags(page, "users-link"));
        }
        Assert.True(Html.HasId(unfinished, "refresh-job"), "Refresh is for everyone while the job runs");
    }

    [Fact]
    public async Task A_viewer_cannot_open_the_import_form_or_upload_a_file()
    {
        using var viewer = await App.SignInAsAsync(Roles.Viewer);
        var jobsBefore = App.Count("jobs");
        var filesBefore = App.Count("stored_files");

        using var form = await viewer.GetAsync($"/Collections/{fixture.CollectionId}/Import");
        Assert.Equal(HttpStatusCode.Redirect, form.StatusCode);
        Assert.Equal("/Account/AccessDenied", form.Headers.Location!.AbsolutePath);
        using var denied = await viewer.GetAsync(form.Headers.Location);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Single(Html.Tags(await denied.Content.ReadAsStringAsync(), "access-denied"));

        var token = await JobTrackerApp.RequestTokenAsync(viewer);
        using var upload = await JobTrackerApp.PostUploadAsync(viewer, fixture.CollectionId, "sneaky.csv", "customerId,name\nV1,x\n"u8.ToArray(), token);
        Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
        Assert.Contains("/Account/AccessDenied", upload.Headers.GetValues("HX-Redirect").Single());

        Assert.Equal(jobsBefore, App.Count("jobs"));
        Assert.Equal(filesBefore, App.Count("stored_files"));
        Assert.Equal(filesBefore, App.StoredFilesOnDisk().Length);
    }

    [Theory]
    [InlineData("AuditLog")]
    [InlineData("File")]
    public async Task A_viewer_cannot_download_the_audit_log_or_the_original_file(string download)
    {
        using var viewer = await App.SignInAsAsync(Roles.Viewer);
        using var response = await viewer.GetAsync($"/Jobs/{fixture.FinishedJobId}/{download}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/AccessDenied", response.Headers.Location!.AbsolutePath);
        Assert.Null(response.Content.Headers.ContentDisposition);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Support)]
    public async Task Only_an_admin_can_stop_a_job(string role)
    {
        var jobId = App.InsertBlockingJob(App.CreateCollection());
        using var user = await App.SignInAsAsync(role);
        var details = await user.GetStringAsync($"/Jobs/{jobId}");
        Assert.True(Html.HasId(details, "refresh-job"));
        Assert.False(Html.HasId(details, "stop-job"), "the Stop Job button is for admins only");

        var token = Html.MetaRequestToken(details);
        using var htmx = await JobTrackerApp.PostStopAsync(user, jobId, token);
        using var plain = await JobTrackerApp.PostStopAsync(user, jobId, token, htmx: false);

        Assert.Equal(HttpStatusCode.Forbidden, htmx.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, plain.StatusCode);
        Assert.Equal("/Account/AccessDenied", plain.Headers.Location!.AbsolutePath);
        var job = App.Job(jobId);
        Assert.Equal(Status.InProgress, job.Status);
        Assert.Null(job.FinishedAt);
    }

    [Fact]
    public async Task Support_can_download_the_audit_log_and_the_original_file_but_cannot_import()
    {
        using var support = await App.SignInAsAsync(Roles.Support);
        var details = await support.GetStringAsync($"/Jobs/{fixture.FinishedJobId}");
        Assert.Single(Html.Tags(details, "download-audit-log"));
        Assert.Single(Html.Tags(details, "download-file"));
        Assert.Empty(Html.Tags(await support.GetStringAsync($"/Collections/{fixture.CollectionId}"), "import-link"));

        using var audit = await support.GetAsync($"/Jobs/{fixture.FinishedJobId}/AuditLog");
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        var rows = Csv.Parse((await audit.Content.ReadAsStringAsync()).TrimStart('\uFEFF'));
        Assert.Equal(["R1", "R2"], rows.Skip(1).Select(r => r[2]));
        using var file = await support.GetAsync($"/Jobs/{fixture.FinishedJobId}/File");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("customerId,name\nR1,Ada\nR2,Grace\n", await file.Content.ReadAsStringAsync());

        var jobsBefore = App.Count("jobs");
        using var form = await support.GetAsync($"/Collections/{fixture.CollectionId}/Import");
        Assert.Equal("/Account/AccessDenied", form.Headers.Location!.AbsolutePath);
        using var upload = await JobTrackerApp.PostUploadAsync(support, fixture.CollectionId, "support.csv", "customerId,name\nS1,x\n"u8.ToArray(),
            await JobTrackerApp.RequestTokenAsync(support));
        Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
        Assert.Equal(jobsBefore, App.Count("jobs"));
    }

    [Fact]
    public async Task An_admin_can_open_the_import_form_download_and_stop()
    {
        var jobId = App.InsertBlockingJob(App.CreateCollection());
        using var admin = await App.SignInAsync();

        var form = await admin.GetStringAsync($"/Collections/{fixture.CollectionId}/Import");
        Assert.Single(Html.Tags(form, "import-file"));
        Assert.Single(Html.Tags(form, "start-import"));
        using var audit = await admin.GetAsync($"/Jobs/{fixture.FinishedJobId}/AuditLog");
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        using var file = await admin.GetAsync($"/Jobs/{fixture.FinishedJobId}/File");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);

        var details = await admin.GetStringAsync($"/Jobs/{jobId}");
        Assert.True(Html.HasId(details, "stop-job"));
        using var stop = await JobTrackerApp.PostStopAsync(admin, jobId, Html.MetaRequestToken(details));
        Assert.Equal(HttpStatusCode.Redirect, stop.StatusCode);
        Assert.Equal($"/Jobs/{jobId}", stop.Headers.Location!.OriginalString);
        Assert.Equal(Status.Canceled, App.Job(jobId).Status);
    }
}
