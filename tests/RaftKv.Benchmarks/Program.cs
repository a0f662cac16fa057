using BenchmarkDotNet.Running;

// `dotnet run -c Release --project tests/RaftKv.Benchmarks -- --filter '*'` runs everything;
// `--filter '*Wal*'` one class, `--list flat` names them, `--job short` for a quick look.
BenchmarkSwitcher.FromAssembly(typeof(RaftKv.Benchmarks.SampleData).Assembly).Run(args);
