#:project ../RaftKv.Testing/RaftKv.Testing.csproj
// A stand-in for `tc netem delay` where the kernel has no sch_netem (docs/BENCHMARKS.md "Peers 1 ms apart"): a TCP
// proxy for every ordered pair of nodes (RaftKv.Testing's ProxyMesh), each holding every chunk back by a delay.
//   dotnet run tests/bench/delay-mesh.cs -- OUT_DIR ADDRESS0 ADDRESS1 [ADDRESS2 ...]
// Writes OUT_DIR/servers-N.txt for node N (its own real address on its line, the proxies it dials on the others),
// then OUT_DIR/ready. The delay in milliseconds is read from OUT_DIR/delay-ms whenever that file changes (0 when it
// is missing), so one cluster can be measured with and without it. Clients use the real addresses. Runs until
// SIGTERM or Ctrl+C.
using System.Globalization;
using RaftKv.Testing.Faults;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: delay-mesh.cs OUT_DIR ADDRESS0 ADDRESS1 [ADDRESS2 ...]");
    return 2;
}

var outDir = args[0];
Directory.CreateDirectory(outDir);
await using var mesh = ProxyMesh.Start(args[1..]);
for (var node = 0; node < mesh.Count; node++)
    await File.WriteAllTextAsync(Path.Combine(outDir, $"servers-{node}.txt"), mesh.ServersFileFor(node));

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
await File.WriteAllTextAsync(Path.Combine(outDir, "ready"), "ready\n");

var delayFile = Path.Combine(outDir, "delay-ms");
var current = -1.0;
while (!stop.IsCancellationRequested)
{
    var wanted = File.Exists(delayFile) && double.TryParse(File.ReadAllText(delayFile).Trim(), CultureInfo.InvariantCulture, out var ms) ? ms : 0;
    if (wanted != current)
    {
        foreach (var proxy in mesh.All) proxy.SetDelay(TimeSpan.FromMilliseconds(wanted));
        Console.Error.WriteLine($"delay-mesh: every link now delays by {wanted} ms");
        current = wanted;
    }
    try
    {
        await Task.Delay(100, stop.Token);
    }
    catch (OperationCanceledException)
    {
    }
}
return 0;
