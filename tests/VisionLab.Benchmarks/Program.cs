using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/VisionLab.Benchmarks -- --filter '*'   (or a class name, e.g. '*Augmentation*')
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
