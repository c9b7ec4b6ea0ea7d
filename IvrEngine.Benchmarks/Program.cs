using IvrEngine.Benchmarks;

return Cli.Run(args);
