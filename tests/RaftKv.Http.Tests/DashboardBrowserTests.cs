using System.Diagnostics;
using Microsoft.Playwright;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;
using static RaftKv.Http.Tests.HttpClusterRun;

namespace RaftKv.Http.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's chromium (installed by .ci/test when missing), driven by Playwright with
/// <c>ExecutablePath</c> set to it; Playwright's own driver ships inside its NuGet package and nothing downloads a browser.
/// </summary>
[Collection(HttpCollection.Name)]
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Set to a path (the README's picture is docs/dashboard.png) to keep the screenshot there.</summary>
    public const string ScreenshotVariable = "RAFTKV_DASHBOARD_SCREENSHOT";

    private static readonly string[] ChromiumFlags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    [SkippableFact]
    public async Task Dashboard_shows_the_members_and_their_lag_sets_and_reads_a_key_transfers_leadership_shows_the_new_leader_after_ctrl_c_and_stops_its_node()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install -y chromium; .ci/test does it when run as root)");

        await WithClusterAsync(output, async (cluster, http, ct) =>
        {
            var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
            var watched = (leader.Id + 1) % cluster.Count; // the page is served by a follower, which survives the leader's Ctrl+C

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ChromiumFlags,
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 860 } });
            page.SetDefaultTimeout(30_000);
            await page.GotoAsync(cluster.HttpUrl(watched).ToString());

            // Three members, one of them the leader, highlighted.
            await page.WaitForFunctionAsync($"() => document.querySelectorAll('#members tr[data-node]').length === 3 && document.querySelector('#leader').dataset.leader === '{leader.Id}'");
            (await page.Locator("#members tr.leader").CountAsync()).Should().Be(1);
            (await page.Locator($"#members tr[data-node='{leader.Id}']").GetAttributeAsync("data-role")).Should().Be("leader");
            (await page.Locator("#members tr[data-role='follower']").CountAsync()).Should().Be(2);
            // Lag behind the leader (its match index for each member): an idle cluster's members are all caught up.
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#members tr[data-node]')].every(r => r.dataset.lag === '0')");

            // The key browser writes through the leader and reads the value back, formatted.
            await page.FillAsync("#key", "greeting");
            await page.FillAsync("#value", "{\"hello\": \"world\", \"n\": [1, 2, 3]}");
            await page.ClickAsync("#set");
            await page.WaitForFunctionAsync("() => document.querySelector('#key-message').textContent.startsWith('set greeting')");
            await page.FillAsync("#value", "");
            await page.ClickAsync("#get");
            await page.WaitForFunctionAsync("() => document.querySelector('#value-view').dataset.key === 'greeting'");
            var shown = await page.TextContentAsync("#value-view");
            shown.Should().Contain("\"hello\": \"world\"", "the value is shown as formatted JSON");
            await page.FillAsync("#prefix", "gree");
            await page.ClickAsync("#search");
            await page.WaitForSelectorAsync("#keys tr[data-key='greeting']");

            await SaveScreenshotAsync(page, cluster);

            // "Transfer leadership to…" from a follower's page: the third node leads, and the page shows it.
            // The leader of now: on a loaded machine (chromium starting) a stalled leader can lose its office meanwhile.
            var current = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
            var third = Enumerable.Range(0, cluster.Count).First(i => i != current.Id && i != watched);
            await page.WaitForSelectorAsync($"#transfer-target option[value='{third}']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
            var thirdLines = cluster.Node(third).Output.LineCount;
            await page.SelectOptionAsync("#transfer-target", third.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await page.ClickAsync("#transfer");
            await page.WaitForFunctionAsync($"() => document.querySelector('#action-message').textContent === 'node {third} is the leader'");
            await page.WaitForFunctionAsync($"() => document.querySelector('#leader').dataset.leader === '{third}'");
            await cluster.WaitForLogAsync(third, "Became leader in term", TimeSpan.FromSeconds(30), ct, thirdLines);

            // Ctrl+C of the leader process: the page shows the new leader within 2 s.
            var clock = Stopwatch.StartNew();
            cluster.Interrupt(third);
            await page.WaitForFunctionAsync(
                $"() => {{ const l = document.querySelector('#leader').dataset.leader; return l !== '' && l !== '{third}'; }}",
                null, new PageWaitForFunctionOptions { Timeout = 2000, PollingInterval = 20 });
            output.WriteLine($"the page showed the new leader {clock.ElapsedMilliseconds} ms after SIGINT of the old one");
            (await cluster.Node(third).WaitForExitAsync(cluster.Options.StopTimeout, ct)).Should().Be(0);

            // The stop button stops the node serving the page, as Ctrl+C does.
            await page.ClickAsync("#stop");
            (await cluster.Node(watched).WaitForExitAsync(cluster.Options.StopTimeout, ct)).Should().Be(0, "the stop button stops its node cleanly");
            cluster.NodeLog(watched).Should().Contain("Stopping on a stop request from the dashboard");
            await page.WaitForFunctionAsync("() => document.querySelector('#conn').className === 'bad'");
        });
    }

    private async Task SaveScreenshotAsync(IPage page, LocalCluster cluster)
    {
        var path = Environment.GetEnvironmentVariable(ScreenshotVariable) is { Length: > 0 } chosen
            ? Path.GetFullPath(chosen)
            : Path.Combine(cluster.RootDirectory, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        new FileInfo(path).Length.Should().BeGreaterThan(10_000, "a screenshot of the whole page");
        output.WriteLine($"screenshot: {path}");
    }
}
